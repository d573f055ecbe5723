# Independent reference for thera_stats.simon.single_stage_design, base R only.
#   Rscript tests/reference/simon/single_stage_reference.R
# For each n: r(n) = smallest r with P0(X > r) <= alpha (go if X > r); power(n) = P1(X > r(n)).
# n_first = smallest n with power(n) >= target; n_stable = 1 + the largest n <= 1500 with
# power(n) < target (every n from n_stable to 1500 reaches the target).
here <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f)) dirname(normalizePath(f)) else "tests/reference/simon"
})
grid <- expand.grid(p0 = c(0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70), delta = c(0.15, 0.20),
                    ab = 1:4)
ab <- rbind(c(0.05, 0.20), c(0.05, 0.10), c(0.10, 0.10), c(0.01, 0.10))
out <- do.call(rbind, lapply(seq_len(nrow(grid)), function(i) {
  p0 <- grid$p0[i]; p1 <- round(p0 + grid$delta[i], 2)
  alpha <- ab[grid$ab[i], 1]; beta <- ab[grid$ab[i], 2]
  ns <- 1:1500
  r <- sapply(ns, function(n) {
    rr <- 0:n
    rr[which(pbinom(rr, n, p0, lower.tail = FALSE) <= alpha)[1]]
  })
  pw <- pbinom(r, ns, p1, lower.tail = FALSE)
  i1 <- which(pw >= 1 - beta)[1]
  i2 <- max(which(pw < 1 - beta)) + 1
  data.frame(p0 = p0, p1 = p1, alpha = alpha, beta = beta, n = ns[i1], r = r[i1],
             actual_alpha = sprintf("%.17g", pbinom(r[i1], ns[i1], p0, lower.tail = FALSE)),
             actual_power = sprintf("%.17g", pw[i1]), n_stable = ns[i2], r_stable = r[i2])
}))
write.csv(out, file.path(here, "single_stage_R.csv"), row.names = FALSE, quote = FALSE)
cat("done\n")
