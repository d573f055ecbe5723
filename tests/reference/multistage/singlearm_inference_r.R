# Point estimates, p-values and confidence intervals after a group-sequential single-arm design,
# from the R package singlearm (mjg211/singlearm), for chosen terminal outcomes (few: each costs 20 s to minutes). Run from this folder:
#   Rscript singlearm_inference_r.R     (writes singlearm_inference_r.csv, a few minutes)
#
# The exported est_gs(), pval_gs() and ci_gs() evaluate every terminal outcome of a design and every
# method at once (est_gs on the K = 2 design below ran > 12 minutes without finishing), so this script
# calls, for single outcomes, the internal functions those exported functions call, with the same
# arguments they pass (singlearm/R/est_gs.R, pval_gs.R, ci_gs.R at the commit in README.md):
#   est_gs_umvue, est_gs_umvcue (K = 2 only), est_gs_mue (P(UMVUE >= observed) = 1/2),
#   est_gs_bias_adj (Whitehead), est_gs_bias_sub, est_gs_cond_mle (conditional MLE),
#   pval_gs_mle (MLE ordering), pval_gs_umvue (UMVUE ordering), pval_gs_cond (conditional on k),
#   ci_gs_exact (UMVUE ordering; lower: P(UMVUE >= obs) = alpha/2, upper: P(UMVUE <= obs) = alpha/2),
#   ci_gs_mid_p (UMVUE ordering, mid-p). alpha = 0.05: two-sided 95% intervals.
# singlearm's roots use stats::uniroot with its default tol (.Machine$double.eps^0.25, about 1.2e-4),
# so mue, bias_adj, cond_mle and CI limits are accurate only to about 1e-4; UMVUE, UMVCUE and the
# p-values are closed-form sums. Conventions: n = per-stage sizes; stop no go if X_k <= a_k; stop go
# if X_k >= r_k (so the engine's e_k = r_k - 1); k = stopping stage, s = responses, m = cumsum(n)[k].
.libPaths(c("/tmp/Rlib", .libPaths()))
suppressMessages(library(singlearm))
ns <- asNamespace("singlearm")
designs <- list(
  list(id = "simon_opt_p01_p03", pi0 = 0.1, n = c(10, 19), a = c(1, 5), r = c(Inf, 6),
       outcomes = list(c(1, 1), c(2, 5), c(2, 6), c(2, 9))),
  list(id = "mt_opt_p02_p04_a010", pi0 = 0.2, n = c(16, 25), a = c(3, 11), r = c(7, 12),
       outcomes = list(c(1, 7), c(2, 11), c(2, 12), c(2, 20))),
  list(id = "three_stage_p01_p03", pi0 = 0.1, n = c(6, 11, 12), a = c(0, 2, 5), r = c(Inf, Inf, 6),
       outcomes = list(c(2, 2), c(3, 6))),
  list(id = "gs3_futeff_p01_p03", pi0 = 0.1, n = c(6, 10, 18), a = c(0, 2, 6), r = c(3, 5, 7),
       outcomes = list(c(2, 5), c(3, 7)))
)
rows <- list()
for (d in designs) {
  J <- length(d$n); N <- cumsum(d$n)
  for (o in d$outcomes) {
    k <- o[1]; s <- o[2]; m <- N[k]
    add <- function(quantity, value) rows[[length(rows) + 1]] <<- data.frame(design_id = d$id,
      look = k, s = s, n = m, quantity = quantity, value = sprintf("%.15g", value))
    add("mle", s / m)
    add("umvue", ns$est_gs_umvue(s, m, k, d$a, d$r, d$n))
    if (J == 2) add("umvcue", ns$est_gs_umvcue(s, m, k, d$a, d$r, d$n))
    add("mue_umvue_ordering", ns$est_gs_mue(s, m, k, J, d$a, d$r, d$n))
    add("bias_adjusted", ns$est_gs_bias_adj(s, m, J, d$a, d$r, d$n))
    add("bias_subtracted", ns$est_gs_bias_sub(s, m, J, d$a, d$r, d$n))
    cm <- try(ns$est_gs_cond_mle(s, m, k, d$a, d$r, d$n), silent = TRUE)
    if (!inherits(cm, "try-error")) add("conditional_mle", cm)
    add("p_mle_ordering", ns$pval_gs_mle(d$pi0, s, m, J, d$a, d$r, d$n))
    add("p_umvue_ordering", ns$pval_gs_umvue(d$pi0, s, m, k, J, d$a, d$r, d$n))
    add("p_conditional", ns$pval_gs_cond(d$pi0, s, m, k, J, d$a, d$r, d$n))
    ci <- ns$ci_gs_exact(s, m, k, J, d$a, d$r, d$n, 0.05)
    add("ci95_lower_exact_umvue_ordering", ci[1]); add("ci95_upper_exact_umvue_ordering", ci[2])
    ci <- ns$ci_gs_mid_p(s, m, k, J, d$a, d$r, d$n, 0.05)
    add("ci95_lower_midp_umvue_ordering", ci[1]); add("ci95_upper_midp_umvue_ordering", ci[2])
    cat(d$id, k, s, "\n")
    # written after every outcome: the three-stage outcomes take minutes each
    res <- do.call(rbind, rows)
    res$singlearm_version <- as.character(packageVersion("singlearm"))
    write.csv(res, "singlearm_inference_r.csv", row.names = FALSE)
  }
}
