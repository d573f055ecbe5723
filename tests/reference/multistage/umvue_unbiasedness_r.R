# Unbiasedness check of the UMVUE: E_p[UMVUE] = sum over terminal outcomes f(k, s | p) * UMVUE(k, s)
# must equal p for every p. Compares the base-R UMVUE (inference_base_r.csv) with singlearm's
# internal est_gs_umvue (the function est_gs uses). Run from this folder: Rscript umvue_unbiasedness_r.R
# (prints; needs inference_base_r.csv). Terminal probabilities by a stage-wise forward recursion.
.libPaths(c("/tmp/Rlib", .libPaths())); suppressMessages(library(singlearm)); ns <- asNamespace("singlearm")
b <- read.csv("inference_base_r.csv")
chk <- function(id, n, a, r) {
  u <- b[b$design_id == id & b$quantity == "umvue", c("look", "s", "n", "value")]
  u$sa <- sapply(seq_len(nrow(u)), function(i) ns$est_gs_umvue(u$s[i], u$n[i], u$look[i], a, r, n))
  m <- diff(c(0, cumsum(n)))
  # count of sequences per terminal outcome from the base CSV umvue is not stored: recompute probabilities by DP
  pm <- function(p) { K <- length(n); N <- cumsum(n); out <- numeric(nrow(u)); cur <- c(1)
    for (k in 1:K) { new <- rep(0, N[k] + 1); for (x in seq_along(cur) - 1) if (cur[x + 1] > 0) new[x + 0:m[k] + 1] <- new[x + 0:m[k] + 1] + cur[x + 1] * dbinom(0:m[k], m[k], p)
      st <- if (k == K) rep(TRUE, N[k] + 1) else (0:N[k] <= a[k] | 0:N[k] >= r[k])
      for (x in which(st) - 1) { j <- which(u$look == k & u$s == x); if (length(j)) out[j] <- new[x + 1] }
      new[st] <- 0; cur <- new }
    out }
  for (p in c(0.1, 0.3, 0.6)) { f <- pm(p); cat(id, "p", p, "sum f", sum(f), "E[base umvue]", sum(f * u$value), "E[singlearm umvue]", sum(f * u$sa), "\n") }
}
chk("three_stage_p01_p03", c(6, 11, 12), c(0, 2, 5), c(Inf, Inf, 6))
chk("three_stage_futeff_opt_p01_p03", c(6, 10, 18), c(0, 2, 6), c(3, 5, 7))
chk("simon_opt_p01_p03", c(10, 19), c(1, 5), c(Inf, 6))
