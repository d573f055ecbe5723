# Reference values for thera_stats.bayesian from R phase1b (Genentech/phase1b, see README.md).
# Run: Rscript phase1b_r.R   (writes predprob_r.csv, bounds_predprob_r.csv, bounds_postprob_r.csv)
.libPaths(c("/tmp/Rlib", .libPaths()))
suppressPackageStartupMessages(library(phase1b))
options(digits = 17)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))

# 1. predprob and postprob on a grid of cases (every x at each n).
cases <- list(
  list(n = 23, Nmax = 40, p0 = 0.6, tT = 0.9, a = 0.6, b = 0.4),   # Lee & Liu (2008)
  list(n = 10, Nmax = 40, p0 = 0.2, tT = 0.8, a = 1, b = 1),
  list(n = 35, Nmax = 60, p0 = 0.3, tT = 0.95, a = 0.3, b = 0.7),
  list(n = 1, Nmax = 25, p0 = 0.1, tT = 0.85, a = 0.5, b = 0.5),
  list(n = 150, Nmax = 200, p0 = 0.25, tT = 0.9, a = 2.5, b = 7.5)
)
rows <- list()
for (cs in cases) {
  for (x in 0:cs$n) {
    pp <- predprob(x = x, n = cs$n, Nmax = cs$Nmax, p = cs$p0, thetaT = cs$tT,
                   parE = c(cs$a, cs$b))$result
    post <- postprob(x = x, n = cs$n, p = cs$p0, parE = c(cs$a, cs$b))
    rows[[length(rows) + 1]] <- data.frame(x = x, n = cs$n, n_max = cs$Nmax, p0 = cs$p0,
                                           theta_t = cs$tT, a = cs$a, b = cs$b,
                                           predprob = pp, postprob = post)
  }
}
write.csv(do.call(rbind, rows), file.path(here, "predprob_r.csv"), row.names = FALSE)

# 2. boundsPredprob: xL (futility, stop if X <= xL) and xU (efficacy, stop if X >= xU).
bp <- list(
  list(looks = c(10, 20, 30, 40), p0 = 0.2, tT = 0.8, phiL = 0.1, phiU = 0.9, a = 1, b = 1),
  list(looks = c(10, 20, 30, 40), p0 = 0.2, tT = 0.8, phiL = 0.1, phiU = 1, a = 1, b = 1),
  list(looks = 10:40, p0 = 0.6, tT = 0.9, phiL = 0.05, phiU = 1, a = 0.6, b = 0.4),
  list(looks = seq(5, 60, 5), p0 = 0.3, tT = 0.92, phiL = 0.02, phiU = 0.95, a = 0.3, b = 0.7),
  list(looks = c(15, 25, 37), p0 = 0.15, tT = 0.85, phiL = 0.2, phiU = 0.8, a = 0.5, b = 0.5)
)
rows <- list()
for (i in seq_along(bp)) {
  cs <- bp[[i]]
  z <- tryCatch(boundsPredprob(looks = cs$looks, p0 = cs$p0, tT = cs$tT, phiL = cs$phiL,
                               phiU = cs$phiU, parE = c(cs$a, cs$b)),
                error = function(e) { cat("boundsPredprob case", i, "error:", conditionMessage(e), "\n"); NULL })
  source_fn <- "boundsPredprob"
  if (is.null(z)) {
    # boundsPredprob 1.0.0 fails whenever a look has no bound (it calls postprob(x = NA)),
    # which phiU = 1 always causes at the interim looks. Apply its rule with predprob itself:
    # xL = largest x with predprob <= phiL, xU = smallest x with predprob >= phiU (NA at
    # interim looks when phiU = 1), scanning x = 0..n and stopping at xU, as its loop does.
    source_fn <- "predprob (boundsPredprob rule)"
    xl <- xu <- rep(NA, length(cs$looks))
    for (k in seq_along(cs$looks)) {
      n <- cs$looks[k]
      for (x in 0:n) {
        pp <- predprob(x = x, n = n, Nmax = max(cs$looks), p = cs$p0, thetaT = cs$tT,
                       parE = c(cs$a, cs$b))$result
        if (pp <= cs$phiL) xl[k] <- x
        if (pp >= cs$phiU) { xu[k] <- x; break }
      }
      if (n < max(cs$looks) && cs$phiU == 1) xu[k] <- NA
    }
    z <- data.frame(looks = cs$looks, xL = xl, xU = xu)
  }
  rows[[i]] <- data.frame(case = i, looks_all = paste(cs$looks, collapse = ";"), p0 = cs$p0,
                          theta_t = cs$tT, theta_l = cs$phiL, theta_u = cs$phiU, a = cs$a,
                          b = cs$b, look = z$looks, xL = z$xL, xU = z$xU, source = source_fn)
}
write.csv(do.call(rbind, rows), file.path(here, "bounds_predprob_r.csv"), row.names = FALSE)

# 3. boundsPostprob: xL (stop if X <= xL: P(p < p0) >= tL), xU (stop if X >= xU: P(p > p1) >= tU).
bq <- list(
  list(looks = c(10, 20, 30), p0 = 0.2, p1 = 0.2, tL = 0.8, tU = 0.95, a = 1, b = 1),
  list(looks = c(10, 20, 30, 40), p0 = 0.15, p1 = 0.3, tL = 0.7, tU = 0.7, a = 0.5, b = 0.5),
  list(looks = seq(5, 50, 5), p0 = 0.3, p1 = 0.3, tL = 0.9, tU = 0.975, a = 0.3, b = 0.7),
  list(looks = c(12, 24, 36), p0 = 0.25, p1 = 0.4, tL = 0.6, tU = 0.6, a = 1, b = 3)
)
rows <- list()
for (i in seq_along(bq)) {
  cs <- bq[[i]]
  z <- tryCatch(boundsPostprob(looks = cs$looks, p0 = cs$p0, p1 = cs$p1, tL = cs$tL, tU = cs$tU,
                               parE = c(cs$a, cs$b)),
                error = function(e) { cat("boundsPostprob case", i, "error:", conditionMessage(e), "\n"); NULL })
  if (is.null(z)) next
  rows[[i]] <- data.frame(case = i, looks_all = paste(cs$looks, collapse = ";"), p0 = cs$p0,
                          p_efficacy = cs$p1, t_l = cs$tL, t_u = cs$tU, a = cs$a, b = cs$b,
                          look = z$looks, xL = z$xL, xU = z$xU)
}
write.csv(do.call(rbind, rows), file.path(here, "bounds_postprob_r.csv"), row.names = FALSE)
cat("phase1b", as.character(packageVersion("phase1b")), R.version.string, "\n")
