# The BOP2FE README's binary example, re-run (timing for benchmarks/bench_bayesian.py) and the
# README design's OC simulated by BOP2FE's own get_oc_binary with a large nsim.
# Run: Rscript bop2fe_readme_r.R   (writes bop2fe_readme_rerun_r.csv)
.libPaths(c("/tmp/Rlib", .libPaths()))
suppressPackageStartupMessages(library(BOP2FE))
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
t0 <- proc.time()[["elapsed"]]
res <- BOP2FE_binary(H0 = 0.2, H1 = 0.4, n = c(10, 5, 5, 5, 5, 5, 5), nsim = 1000, t1e = 0.1,
                     method = "power", lambda1 = 0, lambda2 = 1, grid1 = 11, gamma1 = 0,
                     gamma2 = 1, grid2 = 11, eta1 = 0, eta2 = 3, grid3 = 31, seed = 123)
elapsed <- proc.time()[["elapsed"]] - t0
s <- summary(res)
print(s$opt_pars); print(s$boundary); print(s$oc)
# The README design (lambda 0.9, gamma 1, eta 2.1) simulated with nsim = 20000 by get_oc_binary.
fb <- data.frame(lambda = 0.9, gamma = 1, f1 = 1, f2 = 2, f3 = 3, f4 = 5, f5 = 7, f6 = 9, f7 = 11)
sb <- data.frame(lambda = 0.9, eta = 2.1, s1 = 6, s2 = 8, s3 = 9, s4 = 10, s5 = 10, s6 = 11, s7 = 12)
big <- lapply(c(0.2, 0.4), function(p) get_oc_binary(p = p, n = c(10, 5, 5, 5, 5, 5, 5),
                                                       nsim = 20000, fb = fb, sb = sb, seed = 2024))
out <- data.frame(
  what = c("search_seconds", "opt_lambda", "opt_gamma", "opt_eta",
           "h0_reject", "h0_stop_futility", "h0_stop_efficacy", "h0_mean_n",
           "h1_reject", "h1_stop_futility", "h1_stop_efficacy", "h1_mean_n"),
  value = c(elapsed, s$opt_pars$lambda, s$opt_pars$gamma, s$opt_pars$eta,
            big[[1]]$rejectnull_mean, big[[1]]$earlystopfuti_mean, big[[1]]$earlystopsupe_mean,
            big[[1]]$ss_mean, big[[2]]$rejectnull_mean, big[[2]]$earlystopfuti_mean,
            big[[2]]$earlystopsupe_mean, big[[2]]$ss_mean),
  nsim = c(1000, 1000, 1000, 1000, rep(20000, 8)))
write.csv(out, file.path(here, "bop2fe_readme_rerun_r.csv"), row.names = FALSE)
cat("BOP2FE", as.character(packageVersion("BOP2FE")), R.version.string, "\n")
