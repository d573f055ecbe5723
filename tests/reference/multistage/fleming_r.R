# Fleming (1982) one-sample multiple testing procedure: boundaries by the published formulas and the
# exact operating characteristics of the resulting designs, in base R (no package), plus the
# PhIIdesign 0.2.0 functions that carry Fleming's name. Run from this folder:
#   Rscript fleming_r.R        (writes fleming_r.csv, a few seconds)
# R 4.2.2 Patched (2022-11-10 r83330); PhIIdesign 0.2.0 (IDDI-BE/PhIIdesign b853d9ef) in /tmp/Rlib.
#
# Boundaries (Fleming 1982, Biometrics 38:143-151), z = qnorm(1 - alpha), N = n_K, [x]* = floor(x + 1/2):
#   p_tilde = (sqrt(N p0) + sqrt(1 - p0) z)^2 / (N + z^2)
#   r_k = [n_k p0 + z sqrt(N p0 (1 - p0))]* + 1        reject H0 ("go")    if X_k >= r_k
#   a_k = [n_k p_tilde - z sqrt(N p_tilde (1 - p_tilde))]*  accept H0 ("no go") if X_k <= a_k
# Rules for the engine (thera_stats.fleming): interim a_k < 0 -> -1 (no futility stop), interim
# r_k > n_k -> no efficacy stop; at the last look "go" iff X_K >= r_K (final boundary r_K - 1).
# p1 does not enter the boundaries; the power is evaluated at p1 (and at p_tilde).
#
# Exact operating characteristics by brute-force enumeration of every stage-wise outcome
# (y_1..y_K) (expand.grid), probability prod dbinom(y_k, m_k, p), the rule applied path by path.
#
# Output fleming_r.csv: source ("base_r" or "PhIIdesign"), id, call, p0, p1, alpha, sizes,
# p_tilde, rejection (published r_k), acceptance (published a_k), futility, efficacy (engine
# bounds: stop no go if X_k <= futility_k, stop go if X_k > efficacy_k, NA: none; last entry of
# efficacy = final go bound), p_go_p0, p_go_p1, p_go_ptilde, en_p0, en_p1 (17 significant digits).

.libPaths(c("/tmp/Rlib", .libPaths()))
options(digits = 17)

nearest <- function(x) floor(x + 0.5)

fleming_bounds <- function(p0, alpha, sizes) {
  z <- qnorm(1 - alpha)
  N <- sizes[length(sizes)]
  pt <- (sqrt(N * p0) + sqrt(1 - p0) * z)^2 / (N + z^2)
  r <- nearest(sizes * p0 + z * sqrt(N * p0 * (1 - p0))) + 1
  a <- nearest(sizes * pt - z * sqrt(N * pt * (1 - pt)))
  list(p_tilde = pt, r = r, a = a)
}

oc <- function(sizes, fut, eff, final_go, p) {
  K <- length(sizes)
  m <- diff(c(0, sizes))
  grid <- as.matrix(expand.grid(lapply(m, function(mk) 0:mk)))
  prob <- rep(1, nrow(grid))
  for (k in 1:K) prob <- prob * dbinom(grid[, k], m[k], p)
  X <- t(apply(grid, 1, cumsum))
  if (K == 1) X <- matrix(grid[, 1], ncol = 1)
  go <- rep(NA, nrow(grid)); nn <- rep(NA, nrow(grid))
  for (k in 1:K) {
    open <- is.na(go)
    if (k < K) {
      stop_no <- open & X[, k] <= fut[k]
      stop_go <- open & !is.na(eff[k]) & X[, k] > eff[k]
      go[stop_no] <- FALSE; go[stop_go] <- TRUE
      nn[stop_no | stop_go] <- sizes[k]
    } else {
      go[open] <- X[open, k] > final_go
      nn[open] <- sizes[k]
    }
  }
  c(p_go = sum(prob[go]), en = sum(prob * nn), total = sum(prob))
}

designs <- list(
  list(id = "medsci_p02_15_25", p0 = 0.2, p1 = 0.4, alpha = 0.05, sizes = c(15, 25)),
  list(id = "p03_20_35", p0 = 0.3, p1 = 0.5, alpha = 0.05, sizes = c(20, 35)),
  list(id = "p03_15_25_35", p0 = 0.3, p1 = 0.5, alpha = 0.05, sizes = c(15, 25, 35)),
  list(id = "p02_15_30_45", p0 = 0.2, p1 = 0.4, alpha = 0.05, sizes = c(15, 30, 45)),
  list(id = "p02_single_40", p0 = 0.2, p1 = 0.4, alpha = 0.05, sizes = c(40)),
  list(id = "p005_20_40", p0 = 0.05, p1 = 0.2, alpha = 0.1, sizes = c(20, 40)),
  list(id = "p01_K4_10_40", p0 = 0.1, p1 = 0.3, alpha = 0.05, sizes = c(10, 20, 30, 40)),
  list(id = "p05_25_50", p0 = 0.5, p1 = 0.7, alpha = 0.025, sizes = c(25, 50)),
  list(id = "p01_r1_gt_n1", p0 = 0.1, p1 = 0.3, alpha = 0.05, sizes = c(3, 30)),
  list(id = "p005_a1_neg", p0 = 0.05, p1 = 0.25, alpha = 0.05, sizes = c(5, 20))
)

fmt <- function(x) paste(vapply(x, function(v) if (is.na(v)) "NA" else format(v, digits = 17),
                                 ""), collapse = ";")
rows <- list()
for (d in designs) {
  b <- fleming_bounds(d$p0, d$alpha, d$sizes)
  K <- length(d$sizes)
  fut <- c(pmax(b$a[-K], -1), b$r[K] - 1)
  eff <- ifelse(b$r[-K] - 1 >= d$sizes[-K], NA, b$r[-K] - 1)
  final_go <- b$r[K] - 1
  o0 <- oc(d$sizes, fut, eff, final_go, d$p0)
  o1 <- oc(d$sizes, fut, eff, final_go, d$p1)
  ot <- oc(d$sizes, fut, eff, final_go, b$p_tilde)
  stopifnot(abs(o0["total"] - 1) < 1e-13, abs(o1["total"] - 1) < 1e-13)
  rows[[length(rows) + 1]] <- data.frame(
    source = "base_r", id = d$id,
    call = sprintf("fleming_bounds(p0 = %g, alpha = %g, sizes = c(%s))", d$p0, d$alpha,
                   paste(d$sizes, collapse = ", ")),
    p0 = d$p0, p1 = d$p1, alpha = d$alpha, sizes = fmt(d$sizes),
    p_tilde = format(b$p_tilde, digits = 17), rejection = fmt(b$r), acceptance = fmt(b$a),
    futility = fmt(fut), efficacy = fmt(c(eff, final_go)),
    p_go_p0 = format(o0[["p_go"]], digits = 17), p_go_p1 = format(o1[["p_go"]], digits = 17),
    p_go_ptilde = format(ot[["p_go"]], digits = 17),
    en_p0 = format(o0[["en"]], digits = 17), en_p1 = format(o1[["en"]], digits = 17))
}

# PhIIdesign's fleming1stage is not Fleming's normal-approximation test: it is the smallest exact
# single-stage binomial design (A'Hern 2001), r = qbinom(1 - (alpha + eps), n, p0), go iff X > r.
library(PhIIdesign)
cat("PhIIdesign", as.character(packageVersion("PhIIdesign")), "\n")
for (s in list(c(0.2, 0.4, 0.05, 0.2), c(0.1, 0.3, 0.05, 0.1), c(0.3, 0.5, 0.05, 0.2))) {
  f <- fleming1stage(p0 = s[1], pa = s[2], alpha = s[3], beta = s[4], eps = 0)
  rows[[length(rows) + 1]] <- data.frame(
    source = "PhIIdesign",
    id = sprintf("fleming1stage_p0_%g_pa_%g", s[1], s[2]),
    call = sprintf("fleming1stage(p0 = %g, pa = %g, alpha = %g, beta = %g, eps = 0)",
                   s[1], s[2], s[3], s[4]),
    p0 = s[1], p1 = s[2], alpha = s[3], sizes = fmt(f$N), p_tilde = "NA", rejection = "NA",
    acceptance = "NA", futility = fmt(f$r), efficacy = fmt(f$r),
    p_go_p0 = format(f$alpha, digits = 17), p_go_p1 = format(1 - f$beta, digits = 17),
    p_go_ptilde = "NA", en_p0 = fmt(f$N), en_p1 = fmt(f$N))
}
out <- do.call(rbind, rows)
write.csv(out, "fleming_r.csv", row.names = FALSE, quote = TRUE)
print(out[, c("id", "sizes", "rejection", "acceptance", "p_go_p0", "p_go_p1")])
