# Reference values for tests/test_off_plan.py: R 4.2.2, OneArmPhaseTwoStudy 1.0.3 and
# UnplanSimon 0.1.0 built from their CRAN sources into /tmp/Rlib.
#   Rscript tests/reference/off_plan/make_reference.R > tests/reference/off_plan/reference.csv
.libPaths(c("/tmp/Rlib", .libPaths()))
suppressMessages({library(OneArmPhaseTwoStudy); library(UnplanSimon)})
designs <- list(
  thera = data.frame(r1 = 2, n1 = 10, r = 7, n = 22, p0 = 0.2, p1 = 0.45),
  vignette = data.frame(r1 = 3, n1 = 14, r = 14, n = 44, p0 = 0.25, p1 = 0.45),
  minimax = data.frame(r1 = 1, n1 = 15, r = 5, n = 25, p0 = 0.1, p1 = 0.3))
cat("kind,design,k,n2,value\n")
for (name in names(designs)) {
  d <- designs[[name]]
  for (k in 0:d$n1) {
    ce <- getCE(d, k)
    cat(sprintf("ce,%s,%d,NA,%.15g\n", name, k, ce))
    for (n2 in c(1, 5, 7, 12, 20, 30)) {
      if (ce > 0) cat(sprintf("r2,%s,%d,%d,%d\n", name, k, n2, get_r2_flex(ce, d$p0, n2)))
      cat(sprintf("cp,%s,%d,%d,%.15g\n", name, k, n2, getCP(n2, d$p1, d, k, mode = 0)))
    }
  }
}
ats <- function(...) { a <- ATS_Design(...); a }
for (args in list(c(14, 44, 11, 41, 3, 14, 0.25, 0.45, 0.1), c(14, 44, 11, 39, 3, 14, 0.25, 0.45, 0.1),
                  c(14, 44, 11, 42, 3, 14, 0.25, 0.45, 0.1), c(19, 36, 17, 34, 3, 10, 0.20, 0.40, 0.1),
                  c(10, 22, 10, 17, 2, 7, 0.2, 0.45, 0.05), c(10, 22, 8, 20, 2, 7, 0.2, 0.45, 0.05))) {
  a <- do.call(ATS_Design, as.list(args))
  cat(sprintf("ats,%s,%d,%d,%d;%d;%.3f;%.3f;%.3f\n", paste(args, collapse = " "), args[3], args[4],
              a[["r1*"]], a[["r*"]], a[["alpha(n*)"]], a[["Type I"]], a[["Power"]]))
}
for (args in list(c(0.25, 0.45, 11, 0.1, 0.1), c(0.05, 0.20, 20, 0.10, 0.10), c(0.10, 0.30, 18, 0.10, 0.10),
                  c(0.2, 0.45, 8, 0.05, 0.2))) {
  a <- do.call(ATSS_Design_Stage1, as.list(args))
  cat(sprintf("atss1,%s,%d,%d,%d;%d;%d;%.3f;%.3f\n", paste(args, collapse = " "), args[3], a[["n*"]],
              a[["r1*"]], a[["r*"]], a[["n*"]], a[["Type I"]], a[["Power"]]))
}
a <- ATSS_Design_Stage2(0.05, 0.20, 1, 20, 33, 0.10)
cat(sprintf("atss2,0.05 0.2 1 20 33 0.1,20,33,%d;%d;%.3f;%.3f\n", a[["r1*"]], a[["r*"]], a[["Type I"]], a[["Power"]]))
