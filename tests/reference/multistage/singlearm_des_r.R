# Group-sequential (Simon / Chen three-stage / Mander-Thompson-type) designs from the R package
# singlearm (mjg211/singlearm), function des_gs. Run from this folder:
#   Rscript singlearm_des_r.R      (writes singlearm_des_r.csv)
# singlearm's conventions, translated to the engine's:
#   n = per-stage sizes (cumulative n_k = cumsum(n)); a = futility bounds (stop, no go, if X_k <= a_k);
#   r = efficacy bounds (stop, go, if X_k >= r_k), so e_k = r_k - 1 (r_k = Inf: no efficacy stop);
#   at the last stage r_J = a_J + 1.
#   P(pi) = P(go | pi), PETj(pi) = P(stop at stage j | pi), ESS = expected sample size.
.libPaths(c("/tmp/Rlib", .libPaths()))
suppressMessages(library(singlearm))
runs <- list(
  list(id = "gs3_fut_p01_p03", call = quote(des_gs(J = 3, pi0 = 0.1, pi1 = 0.3, alpha = 0.05, beta = 0.2,
       Nmin = 25, Nmax = 35, futility = TRUE, efficacy = FALSE, optimality = "null_ess"))),
  list(id = "gs3_fut_p01_p03_minimax", call = quote(des_gs(J = 3, pi0 = 0.1, pi1 = 0.3, alpha = 0.05, beta = 0.2,
       Nmin = 20, Nmax = 35, futility = TRUE, efficacy = FALSE, optimality = "minimax"))),
  list(id = "gs3_futeff_p01_p03", call = quote(des_gs(J = 3, pi0 = 0.1, pi1 = 0.3, alpha = 0.05, beta = 0.2,
       Nmin = 25, Nmax = 35, futility = TRUE, efficacy = TRUE, optimality = "null_ess"))),
  list(id = "gs2_futeff_p02_p04_a010", call = quote(des_gs(J = 2, pi0 = 0.2, pi1 = 0.4, alpha = 0.1, beta = 0.1,
       Nmin = 30, Nmax = 50, futility = TRUE, efficacy = TRUE, optimality = "null_ess"))),
  list(id = "gs2_fut_p02_p04", call = quote(des_gs(J = 2, pi0 = 0.2, pi1 = 0.4, alpha = 0.05, beta = 0.2,
       Nmin = 30, Nmax = 50, futility = TRUE, efficacy = FALSE, optimality = "null_ess"))),
  list(id = "gs3_fut_p02_p04", call = quote(des_gs(J = 3, pi0 = 0.2, pi1 = 0.4, alpha = 0.05, beta = 0.2,
       Nmin = 35, Nmax = 45, futility = TRUE, efficacy = FALSE, optimality = "null_ess")))
)
fmt <- function(x) paste(ifelse(is.finite(x), as.character(x), "NA"), collapse = ";")
out <- list()
for (run in runs) {
  t0 <- Sys.time()
  d <- suppressWarnings(eval(run$call))
  secs <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  oc <- as.data.frame(d$des$opchar)
  N <- cumsum(d$des$n)
  row <- data.frame(setting = run$id, call = paste(deparse(run$call, width.cutoff = 500), collapse = ""),
    J = d$des$J, stage_sizes = fmt(d$des$n), sizes = fmt(N), futility = fmt(d$des$a),
    efficacy = fmt(d$des$r - 1), singlearm_r = fmt(d$des$r),
    alpha = oc[["P(pi0)"]], power = oc[["P(pi1)"]], en_p0 = oc[["ESS(pi0)"]], en_p1 = oc[["ESS(pi1)"]],
    seconds = round(secs, 1))
  for (j in seq_len(d$des$J - 1)) {
    row[[paste0("pet", j, "_p0")]] <- oc[[paste0("PET", j, "(pi0)")]]
    row[[paste0("pet", j, "_p1")]] <- oc[[paste0("PET", j, "(pi1)")]]
  }
  print(row)
  out[[run$id]] <- row
  all_cols <- unique(unlist(lapply(out, names)))
  res <- do.call(rbind, lapply(out, function(x) { x[setdiff(all_cols, names(x))] <- NA; x[all_cols] }))
  res$singlearm_version <- as.character(packageVersion("singlearm"))
  res$R_version <- R.version.string
  write.csv(res, "singlearm_des_r.csv", row.names = FALSE)
}
