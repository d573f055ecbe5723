# Sargent, Chan & Goldberg (2001) three-outcome designs: PhIIdesign 0.2.0 sargent1stage and
# sargent2stage, and an independent base-R search for the single-stage design. Run from this folder:
#   Rscript sargent_r.R        (writes sargent_r.csv; about a minute)
# R 4.2.2 Patched (2022-11-10 r83330); PhIIdesign 0.2.0 (IDDI-BE/PhIIdesign b853d9ef) in /tmp/Rlib.
#
# Rule: "no go" (reject Ha) if X <= r, "go" (reject H0) if X >= s, inconclusive otherwise; two-stage:
# stop "no go" after n1 if X1 <= r1, else the same rule on the total X.
# Conditions: eta' = P(no go | p0) >= eta, beta' = P(no go | pa) <= beta, alpha' = P(go | p0) <= alpha,
# pi' = P(go | pa) >= pi.
# PhIIdesign accepts a design when the conditions hold up to `eps` (default 0.005 for sargent1stage,
# 0 for sargent2stage): alpha' <= alpha + eps, beta' <= beta + eps, eta' >= eta - eps, pi' >= pi - eps.
# All calls below use eps = 0 (exact conditions) and, for comparison, the default eps = 0.005.
# PhIIdesign returns every admissible (r, s) at the smallest N (sargent1stage), and the designs with
# the smallest EN(p0) per N flagged OPT / MIN (sargent2stage); all those rows are written.
#
# base_r: for n = 2, 3, ... every (r, s) with 0 <= r, r + 2 <= s <= n is checked with pbinom; the
# first n with an admissible pair is written with all its admissible pairs.
#
# Output sargent_r.csv: source, call, p0, pa, alpha, beta, eta, pi, eps, stages, n1, r1, N, r, s,
# alpha_act, beta_act, eta_act, pi_act, EN_p0, flag (17 significant digits).

.libPaths(c("/tmp/Rlib", .libPaths()))
suppressMessages(library(PhIIdesign))
cat("PhIIdesign", as.character(packageVersion("PhIIdesign")), "\n")
f17 <- function(x) format(x, digits = 17)

base_single <- function(p0, pa, alpha, beta, eta, pi, nmax = 500) {
  for (n in 2:nmax) {
    rows <- NULL
    for (r in 0:(n - 2)) for (s in (r + 2):n) {
      e <- pbinom(r, n, p0); b <- pbinom(r, n, pa)
      a <- pbinom(s - 1, n, p0, lower.tail = FALSE); w <- pbinom(s - 1, n, pa, lower.tail = FALSE)
      if (e >= eta && b <= beta && a <= alpha && w >= pi)
        rows <- rbind(rows, data.frame(N = n, r = r, s = s, alpha = a, beta = b, eta = e, pi = w))
    }
    if (!is.null(rows)) return(rows)
  }
  NULL
}

settings1 <- rbind(
  # the table of Sargent et al. (2001) as in PhIIdesign's own test comment: pa = p0 + 0.15,
  # (alpha, beta) = (0.1, 0.1) and (0.05, 0.1), eta = pi = 0.8
  expand.grid(p0 = c(0.05, 0.1, 0.2, 0.3, 0.4, 0.5), alpha = c(0.1, 0.05), beta = 0.1,
              eta = 0.8, pi = 0.8),
  data.frame(p0 = 0.2, alpha = 0.05, beta = 0.2, eta = 0.7, pi = 0.75))
settings1$pa <- settings1$p0 + 0.15
settings1$pa[nrow(settings1)] <- 0.4

out <- list()
add <- function(df) out[[length(out) + 1]] <<- df
t0 <- Sys.time()
for (i in seq_len(nrow(settings1))) {
  s <- settings1[i, ]
  for (eps in c(0, 0.005)) {
    call <- sprintf("sargent1stage(p0 = %g, pa = %g, alpha = %g, beta = %g, eta = %g, pi = %g, eps = %g, N_min = 2, N_max = 150)",
                    s$p0, s$pa, s$alpha, s$beta, s$eta, s$pi, eps)
    res <- sargent1stage(p0 = s$p0, pa = s$pa, alpha = s$alpha, beta = s$beta, eta = s$eta,
                         pi = s$pi, eps = eps, N_min = 2, N_max = 150)
    add(data.frame(source = "PhIIdesign", call = call, p0 = s$p0, pa = s$pa, alpha = s$alpha,
                   beta = s$beta, eta = s$eta, pi = s$pi, eps = eps, stages = 1, n1 = NA,
                   r1 = NA, N = res$N, r = res$r, s = res$s, alpha_act = f17(res$alpha),
                   beta_act = f17(res$beta), eta_act = f17(res$eta), pi_act = f17(res$pi),
                   EN_p0 = res$N, flag = ""))
  }
  b <- base_single(s$p0, s$pa, s$alpha, s$beta, s$eta, s$pi)
  add(data.frame(source = "base_r", call = sprintf("base_single(p0 = %g, pa = %g, alpha = %g, beta = %g, eta = %g, pi = %g)",
                                                   s$p0, s$pa, s$alpha, s$beta, s$eta, s$pi),
                 p0 = s$p0, pa = s$pa, alpha = s$alpha, beta = s$beta, eta = s$eta, pi = s$pi,
                 eps = 0, stages = 1, n1 = NA, r1 = NA, N = b$N, r = b$r, s = b$s,
                 alpha_act = f17(b$alpha), beta_act = f17(b$beta), eta_act = f17(b$eta),
                 pi_act = f17(b$pi), EN_p0 = b$N, flag = ""))
}
cat("single stage:", format(Sys.time() - t0), "\n")

settings2 <- list(
  list(p0 = 0.2, pa = 0.4, alpha = 0.1, beta = 0.1, eta = 0.8, pi = 0.8, N_min = 15, N_max = 40),
  list(p0 = 0.1, pa = 0.3, alpha = 0.05, beta = 0.1, eta = 0.8, pi = 0.8, N_min = 15, N_max = 45),
  list(p0 = 0.3, pa = 0.5, alpha = 0.1, beta = 0.1, eta = 0.75, pi = 0.75, N_min = 20, N_max = 45))
for (s in settings2) {
  t1 <- Sys.time()
  call <- sprintf("sargent2stage(p0 = %g, pa = %g, alpha = %g, beta = %g, eta = %g, pi = %g, eps = 0, N_min = %d, N_max = %d)",
                  s$p0, s$pa, s$alpha, s$beta, s$eta, s$pi, s$N_min, s$N_max)
  res <- sargent2stage(p0 = s$p0, pa = s$pa, alpha = s$alpha, beta = s$beta, eta = s$eta,
                       pi = s$pi, eps = 0, N_min = s$N_min, N_max = s$N_max)
  res <- res[res$OPT != "" | res$MIN != "", ]
  add(data.frame(source = "PhIIdesign", call = call, p0 = s$p0, pa = s$pa, alpha = s$alpha,
                 beta = s$beta, eta = s$eta, pi = s$pi, eps = 0, stages = 2, n1 = res$n1,
                 r1 = res$r1, N = res$N, r = res$r2, s = res$s, alpha_act = f17(res$alpha),
                 beta_act = f17(res$beta), eta_act = f17(res$eta), pi_act = f17(res$pi),
                 EN_p0 = f17(res$EN.p0), flag = trimws(paste(res$OPT, res$MIN))))
  cat(call, format(Sys.time() - t1), "\n")
}
all <- do.call(rbind, out)
write.csv(all, "sargent_r.csv", row.names = FALSE)
print(all[, c("source", "p0", "pa", "alpha", "eps", "stages", "n1", "r1", "N", "r", "s", "flag")])
