# Simon designs and post-trial inference from the R package clinfun (CRAN 1.1.5, built in /tmp/Rlib).
# Run from this folder:   Rscript clinfun_r.R     (writes clinfun_r.csv)
#   ph2simon(pu, pa, ep1, ep2, nmax = 100): optimal and minimax Simon designs
#     (r1/n1, r/n: stop no go if X1 <= r1, go iff X > r; engine a = (r1, r), sizes (n1, n)).
#   twostage.inference(x, r1, n1, n, pu, alpha = 0.05): UMVUE, p-value (stage-wise ordering,
#     H0: p = pu) and the limits it labels "5% LCL" / "95% UCL" (a two-sided 90% interval).
#     Its limits are read off a grid of step 1e-4 (first LCL grid point where P(T >= t) > alpha,
#     last UCL grid point where P(T >= t) < 1 - alpha), and the UCL inverts P(T >= t) = 1 - alpha,
#     i.e. P(T <= t - 1) = alpha ("Clopper-Pearson at x - 1"): compare with quantity
#     ci_upper_clinfun, tail 0.05, ordering stagewise in inference_base_r.csv.
.libPaths(c("/tmp/Rlib", .libPaths()))
suppressMessages(library(clinfun))
rows <- list()
add <- function(call, design, x, quantity, value) rows[[length(rows) + 1]] <<- data.frame(
  call = call, design = design, x = x, quantity = quantity, value = sprintf("%.15g", value))
for (cl in c("ph2simon(0.2, 0.4, 0.05, 0.2)", "ph2simon(0.1, 0.3, 0.05, 0.2)",
             "ph2simon(0.2, 0.4, 0.1, 0.1)", "ph2simon(0.2, 0.45, 0.05, 0.2)")) {
  s <- eval(parse(text = cl)); print(s)
  tab <- s$out
  for (crit in c("Minimax", "Optimal")) {
    i <- if (crit == "Minimax") 1 else which.min(tab[, "EN(p0)"])
    des <- sprintf("%d/%d, %d/%d", tab[i, "r1"], tab[i, "n1"], tab[i, "r"], tab[i, "n"])
    for (q in colnames(tab)) add(cl, paste(crit, des), NA, q, tab[i, q])
  }
}
cases <- list(list(r1 = 3, n1 = 13, n = 43, pu = 0.2, x = c(0, 2, 3, 4, 10, 12, 13, 15, 20, 43)),
              list(r1 = 1, n1 = 10, n = 29, pu = 0.1, x = c(0, 1, 2, 5, 6, 9, 15)))
for (cs in cases) for (x in cs$x) {
  cl <- sprintf("twostage.inference(x = %d, r1 = %d, n1 = %d, n = %d, pu = %g)", x, cs$r1, cs$n1, cs$n, cs$pu)
  o <- eval(parse(text = cl))
  for (j in seq_along(o)) add(cl, sprintf("r1 = %d, n1 = %d, n = %d", cs$r1, cs$n1, cs$n), x, names(o)[j], o[[j]])
}
res <- do.call(rbind, rows)
res$clinfun_version <- as.character(packageVersion("clinfun"))
write.csv(res, "clinfun_r.csv", row.names = FALSE)
