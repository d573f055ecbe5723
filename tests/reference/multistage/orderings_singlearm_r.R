# UMVCUE from the R package singlearm (mjg211/singlearm, commit in README.md) for every outcome
# at the last look of the two-stage designs below, for comparison with orderings_base_r.csv.
# Run from this folder:  Rscript orderings_singlearm_r.R   (writes orderings_singlearm_r.csv, 2 s)
# singlearm has no likelihood-ratio or score ordering (est_gs, pval_gs and ci_gs offer naive,
# MLE- and UMVUE-ordering, conditional, exact and mid-p only), so only its UMVCUE is used here.
# est_gs_umvcue is the internal function est_gs(method = "umvcue") calls; est_gs refuses J > 2
# ("umvcue is not currently supported for designs with J > 2"), so only K = 2. At look 1 it
# returns s / m (the MLE), which is not conditionally unbiased; only look 2 is written.
# Conventions: n = per-stage sizes; stop no go if X_k <= a_k; stop go if X_k >= r_k.
.libPaths(c("/tmp/Rlib", .libPaths()))
suppressMessages(library(singlearm))
ns <- asNamespace("singlearm")
designs <- list(
  list(id = "simon_opt_p02_p04", n = c(13, 30), a = c(3, 12), r = c(Inf, 13)),
  list(id = "simon_opt_p01_p03", n = c(10, 19), a = c(1, 5), r = c(Inf, 6)),
  list(id = "mt_opt_p02_p04_a010", n = c(16, 25), a = c(3, 11), r = c(7, 12))
)
rows <- list()
for (d in designs) {
  N <- cumsum(d$n)
  lo <- d$a[1] + 1; hi <- min(d$r[1] - 1, d$n[1])
  for (s in lo:(hi + d$n[2])) {
    rows[[length(rows) + 1]] <- data.frame(design_id = d$id, look = 2, s = s, n = N[2],
      quantity = "umvcue", value = sprintf("%.17g", ns$est_gs_umvcue(s, N[2], 2, d$a, d$r, d$n)))
  }
}
res <- do.call(rbind, rows)
res$singlearm_version <- as.character(packageVersion("singlearm"))
write.csv(res, "orderings_singlearm_r.csv", row.names = FALSE, quote = FALSE)
cat(nrow(res), "rows\n")
