# Reference values for thera_stats.bayesian_design.bop2_design from R BOP2FE (belayb/BOP2FE,
# see README.md): the boundaries get_boundary_binary enumerates for given (lambda, gamma, eta).
# Run: Rscript bop2fe_r.R   (writes bop2fe_bounds_r.csv)
.libPaths(c("/tmp/Rlib", .libPaths()))
suppressPackageStartupMessages(library(BOP2FE))
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
configs <- list(
  list(H0 = 0.2, n = c(10, 5, 5, 5, 5, 5, 5)),   # the README's binary example (N = 40)
  list(H0 = 0.3, n = rep(5, 12))                  # looks every 5 patients to N = 60
)
rows <- list()
for (i in seq_along(configs)) {
  cf <- configs[[i]]
  b <- get_boundary_binary(H0 = cf$H0, a1 = cf$H0, b1 = 1 - cf$H0, n = cf$n,
                           lambda = c(0.5, 0.7, 0.9, 0.95), gamma = c(0, 0.5, 1, 2),
                           eta = c(0, 1, 2.1, 3), method = "power", seed = 1)
  K <- length(cf$n)
  fut <- b$cnf
  eff <- b$cns
  rows[[length(rows) + 1]] <- data.frame(
    config = i, p0 = cf$H0, looks = paste(cumsum(cf$n), collapse = ";"), kind = "futility",
    lambda = fut$lambda, param = fut$gamma,
    bounds = apply(fut[, paste0("f", seq_len(K))], 1, paste, collapse = ";"))
  rows[[length(rows) + 1]] <- data.frame(
    config = i, p0 = cf$H0, looks = paste(cumsum(cf$n), collapse = ";"), kind = "efficacy",
    lambda = eff$lambda, param = eff$eta,
    bounds = apply(eff[, paste0("s", seq_len(K))], 1, paste, collapse = ";"))
}
write.csv(do.call(rbind, rows), file.path(here, "bop2fe_bounds_r.csv"), row.names = FALSE)
cat("BOP2FE", as.character(packageVersion("BOP2FE")), R.version.string, "\n")
