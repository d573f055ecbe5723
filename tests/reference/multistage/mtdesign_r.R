# Mander & Thompson (2010) two-stage designs with a stage-1 efficacy stop, from the R package
# mtdesign (openpharma/mtdesign). Run from this folder:
#   Rscript mtdesign_r.R          (writes mtdesign_r.csv; takes a few minutes on 2 cores)
# mtdesign's columns, translated to the engine's conventions:
#   nStage1 = n_1, nTotal = n_2, rFutility = a_1 (stop, no go, if X1 <= rFutility),
#   rSuccess = e_1 (stop, go, if X1 > rSuccess; PETNull = 1 - F(rSuccess) + F(rFutility) in its C++),
#   rTotal = a_2 (go iff X2 > rTotal). Type1 = P(go | p0), Type2 = 1 - P(go | p1),
#   AveSizeNull / AveSizeAlt = expected sample size under p0 / p1.
# Search grid (mtdesign::createGrid defaults): nTotal from 0.8 to 2 times the Fleiss single-stage
# normal-approximation n (searchBounds(..., twoSided = FALSE)), rSuccess <= min(nStage1, rTotal).
.libPaths(c("/tmp/Rlib", .libPaths()))
suppressMessages(library(mtdesign))
# parallel = TRUE fails here: the workers do not attach magrittr ("could not find function %>%")
settings <- list(
  list(id = "mt_p02_p04_a010_b010", p0 = 0.2, p1 = 0.4, alpha = 0.1, beta = 0.1),
  list(id = "mt_p02_p04_a005_b020", p0 = 0.2, p1 = 0.4, alpha = 0.05, beta = 0.2)
)
out <- list()
for (s in settings) {
  t0 <- Sys.time()
  bounds <- searchBounds(s$p0, s$p1, s$alpha, s$beta, twoSided = FALSE)
  d <- obtainDesign(p0 = s$p0, p1 = s$p1, alpha = s$alpha, beta = s$beta, parallel = FALSE)
  secs <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  d <- as.data.frame(d)
  d$setting <- s$id
  d$call <- sprintf("obtainDesign(p0 = %g, p1 = %g, alpha = %g, beta = %g, parallel = FALSE)",
                    s$p0, s$p1, s$alpha, s$beta)
  d$search_nmin <- bounds[["min"]]
  d$search_nmax <- bounds[["max"]]
  d$seconds <- round(secs, 1)
  print(d)
  out[[s$id]] <- d
}
res <- do.call(rbind, out)
res$mtdesign_version <- as.character(packageVersion("mtdesign"))
res$R_version <- R.version.string
write.csv(res, "mtdesign_r.csv", row.names = FALSE)
