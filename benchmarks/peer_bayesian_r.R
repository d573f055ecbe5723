# Peer timings for benchmarks/bench_bayesian.py: R phase1b 1.0.0 predprob and BOP2FE 1.0.3's
# calibration by simulation (both built from source into /tmp/Rlib, see
# tests/reference/bayesian/README.md). Run: Rscript benchmarks/peer_bayesian_r.R
.libPaths(c("/tmp/Rlib", .libPaths()))
suppressPackageStartupMessages({library(phase1b); library(BOP2FE)})
t <- system.time(for (x in 0:100) predprob(x, 100, 200, 0.3, 0.9, c(0.3, 0.7)))[["elapsed"]]
cat(sprintf("phase1b predprob, x = 0..100 at n = 100, Nmax = 200: %.3f s\n", t))
t <- system.time(BOP2FE_binary(H0 = 0.2, H1 = 0.4, n = rep(5, 12), nsim = 1000, t1e = 0.1,
                               method = "power", lambda1 = 0, lambda2 = 1, grid1 = 11,
                               gamma1 = 0, gamma2 = 1, grid2 = 11, eta1 = 0, eta2 = 3,
                               grid3 = 31, seed = 123))[["elapsed"]]
cat(sprintf("BOP2FE_binary, looks every 5 to 60, grid 11 x 11 x 31, nsim 1000: %.1f s\n", t))
