# Reference values from ph2bye 0.1.4 (cran/ph2bye, see README.md): PredP, the predictive
# probability, compiled from the package's own src/ph2bye.cpp with Rcpp::sourceCpp (the package
# itself needs 'animation' and 'VGAM', which are not installed here).
# Run: Rscript ph2bye_r.R   (writes ph2bye_predp_r.csv)
suppressPackageStartupMessages(library(Rcpp))
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
sourceCpp("/tmp/src/ph2bye/src/ph2bye.cpp")  # git --git-dir=<cran+ph2bye mirror> archive HEAD
options(digits = 17)
rows <- list()
cases <- list(c(n = 23, nmax = 40, a = 0.6, b = 0.4, p0 = 0.6, tt = 0.9),
              c(n = 12, nmax = 30, a = 1, b = 1, p0 = 0.25, tt = 0.85),
              c(n = 40, nmax = 100, a = 0.3, b = 0.7, p0 = 0.3, tt = 0.95))
for (cs in cases) {
  for (x in 0:cs[["n"]]) {
    rows[[length(rows) + 1]] <- data.frame(
      x = x, n = cs[["n"]], n_max = cs[["nmax"]], a = cs[["a"]], b = cs[["b"]],
      p0 = cs[["p0"]], theta_t = cs[["tt"]],
      predp = PredPCpp(x, cs[["n"]], cs[["nmax"]], cs[["a"]], cs[["b"]], cs[["p0"]], cs[["tt"]]))
  }
}
write.csv(do.call(rbind, rows), file.path(here, "ph2bye_predp_r.csv"), row.names = FALSE)
cat("ph2bye 0.1.4 (src/ph2bye.cpp)", R.version.string, "\n")
