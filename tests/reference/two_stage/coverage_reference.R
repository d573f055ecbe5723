# Independent reference for the coverage claims of thera_stats.two_stage.
#
# Exact coverage C(p) = sum_t P_p(T = t) 1{low(t) <= p <= high(t)}, summed over the
# whole outcome space T = (stage, responses) of a two-stage design, on a grid of p,
# for three interval procedures:
#
#   * "naive":   Clopper-Pearson on x / m ignoring the design, from base R
#                binom.test(x, m, alternative = ..., conf.level = ...)$conf.int;
#   * "exact":   Koyama & Chen (2008) under the stage-wise ordering: lower limit
#                solves P_p(T >= t) = a, upper limit P_p(T <= t) = a;
#   * "clinfun": the equation documented for clinfun::twostage.inference (Koyama &
#                Chen's confidence set written as {p : a <= P_p(T >= t) <= 1 - a}):
#                lower limit solves P_p(T >= t) = a, upper limit P_p(T >= t) = 1 - a,
#                solved exactly with uniroot (clinfun itself searches a 1e-4 grid).
#                clinfun gives no limits after x = 0; here that outcome gets
#                [0, 1 - a^(1/n1)] (root of P_p(X1 <= 0) = a), as in the tests.
#
# Written from the formulas, not from the Python code. P_p(T >= t) under the
# stage-wise ordering: P_p(X1 >= x1) after a stop at stage 1, and
# sum_{j > r1} dbinom(j, n1, p) P(X2 >= x - j) after a completed trial (each tail
# summed directly, never 1 - other tail). Outcome probabilities: dbinom(x1, n1, p)
# and sum_j dbinom(j, n1, p) dbinom(x - j, n2, p). Roots: uniroot(tol = 1e-15).
# Stage-1 boundary at an attained stage-1 size n1': the planned r1 if n1' = n1,
# else the largest r1' with P_p1(X1' <= r1') <= P_p1(X1 <= r1) (-1 if none), the
# documented rule of thera_stats.simon.SimonDesign.decide.
#
# Grids (identical doubles to numpy.linspace): p = seq(0, 1, length.out = 10001)
# for naive and exact; p = seq(0.05, 0.95, length.out = 9001) for clinfun. Output
# per row: minimum coverage on the grid, its (0-based) grid index and p, and the
# coverage at p = 0.259 (where a reviewer's run of clinfun's own code found its
# minimum for THERA's plan) and at p = 0.9999.
#
# Run (from the repository root; about 5 s with R 4.2.2, base R only):
#   Rscript tests/reference/two_stage/coverage_reference.R
# Output: tests/reference/two_stage/coverage_reference.csv

designs <- data.frame(
  setting = c("p05_optimal", "p05_minimax", "p10_optimal", "p10_minimax",
              "p20_optimal", "p20_minimax", "p30_optimal", "p30_minimax",
              "thera_plan", "thera_attained_17", "thera_n1_12_n_20", "thera_overrun_25",
              "thera_n1_8_n_15", "thera_n1_13_n_20"),
  # Simon (1989) Table 1 (alpha = 0.05, beta = 0.20; p1 = p0 + 0.2) and THERA
  p0 = c(0.05, 0.05, 0.10, 0.10, 0.20, 0.20, 0.30, 0.30, 0.20, 0.20, 0.20, 0.20, 0.20, 0.20),
  p1 = c(0.25, 0.25, 0.30, 0.30, 0.40, 0.40, 0.50, 0.50, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45),
  r1 = c(0, 0, 1, 1, 3, 4, 5, 6, 2, 2, 2, 2, 2, 2),
  n1 = c(9, 12, 10, 15, 13, 18, 15, 19, 10, 10, 10, 10, 10, 10),
  r  = c(2, 2, 5, 5, 12, 10, 18, 16, 7, 7, 7, 7, 7, 7),
  n  = c(17, 16, 29, 25, 43, 33, 46, 39, 22, 22, 22, 22, 22, 22),
  n1_used = c(9, 12, 10, 15, 13, 18, 15, 19, 10, 10, 12, 10, 8, 13),
  n_used  = c(17, 16, 29, 25, 43, 33, 46, 39, 22, 17, 20, 25, 15, 20),
  stringsAsFactors = FALSE
)
clinfun_settings <- c("thera_plan", "p20_optimal", "p10_optimal")

stage1_boundary <- function(D) {
  if (D$n1_used == D$n1) return(D$r1)
  target <- pbinom(D$r1, D$n1, D$p1)
  ok <- which(pbinom(0:D$n1_used, D$n1_used, D$p1) <= target * (1 + 1e-12)) - 1
  if (length(ok)) max(ok) else -1
}

outcomes <- function(r1, n1, n) {
  s1 <- if (r1 >= 0) data.frame(stage = 1L, x = 0:min(r1, n1), m = n1) else NULL
  rbind(s1, data.frame(stage = 2L, x = (r1 + 1):n, m = n))
}

# Matrix of outcome probabilities: rows = p values, columns = outcomes.
prob_matrix <- function(p, r1, n1, n, out) {
  n2 <- n - n1
  sapply(seq_len(nrow(out)), function(i) {
    if (out$stage[i] == 1L) return(dbinom(out$x[i], n1, p))
    j <- max(r1 + 1, out$x[i] - n2):min(out$x[i], n1)
    rowSums(outer(p, j, function(pp, jj) dbinom(jj, n1, pp) * dbinom(out$x[i] - jj, n2, pp)))
  })
}

upper_sw <- function(p, r1, n1, n, stage, x) {        # P_p(T >= t)
  n2 <- n - n1
  if (stage == 1L) return(pbinom(x - 1, n1, p, lower.tail = FALSE))
  j <- (r1 + 1):n1
  sum(dbinom(j, n1, p) * pbinom(x - j - 1, n2, p, lower.tail = FALSE))
}
lower_sw <- function(p, r1, n1, n, stage, x) {        # P_p(T <= t)
  n2 <- n - n1
  if (stage == 1L) return(pbinom(x, n1, p))
  j <- (r1 + 1):n1
  pbinom(r1, n1, p) + sum(dbinom(j, n1, p) * pbinom(x - j, n2, p))
}
root <- function(f, target) {
  uniroot(function(p) f(p) - target, c(0, 1), tol = 1e-15, maxiter = 10000)$root
}

naive_limits <- function(out, level, alternative) {
  t(vapply(seq_len(nrow(out)), function(i) {
    binom.test(out$x[i], out$m[i], alternative = alternative, conf.level = level)$conf.int[1:2]
  }, numeric(2)))
}

# Koyama & Chen (exact) or clinfun's equation, two-sided with tail a per side.
stagewise_limits <- function(out, r1, n1, n, a, upper_rule) {
  K <- nrow(out)
  t(vapply(seq_len(K), function(i) {
    st <- out$stage[i]; x <- out$x[i]
    U <- function(p) upper_sw(p, r1, n1, n, st, x)
    L <- function(p) lower_sw(p, r1, n1, n, st, x)
    low <- if (i == 1L) 0 else root(U, a)
    high <- if (upper_rule == "exact") {
      if (i == K) 1 else root(L, a)
    } else {                                          # clinfun: P_p(T >= t) = 1 - a
      if (i == 1L) root(L, a) else root(U, 1 - a)
    }
    c(low, high)
  }, numeric(2)))
}

coverage <- function(p, probs, lim) {
  inside <- outer(p, lim[, 1], ">=") & outer(p, lim[, 2], "<=")
  rowSums(probs * inside)
}

grid_full <- seq(0, 1, length.out = 10001)
grid_clinfun <- seq(0.05, 0.95, length.out = 9001)

rows <- list()
add_row <- function(D, r1, interval, alternative, level, grid, probs, probs_top, lim) {
  probs_259 <- prob_matrix(0.259, r1, D$n1_used, D$n_used, outcomes(r1, D$n1_used, D$n_used))
  cov <- coverage(grid, probs, lim)
  k <- which.min(cov)
  rows[[length(rows) + 1]] <<- data.frame(
    setting = D$setting, p0 = D$p0, p1 = D$p1, r1 = D$r1, n1 = D$n1, r = D$r, n = D$n,
    r1_used = r1, n1_used = D$n1_used, n_used = D$n_used,
    interval = interval, alternative = alternative, confidence_level = level,
    grid_from = min(grid), grid_to = max(grid), grid_points = length(grid),
    min_coverage = cov[k], argmin_index = k - 1L, argmin_p = grid[k],
    coverage_at_0.259 = coverage(0.259, probs_259, lim),
    coverage_at_0.9999 = coverage(0.9999, probs_top, lim),
    stringsAsFactors = FALSE
  )
}

for (d in seq_len(nrow(designs))) {
  D <- designs[d, ]
  r1 <- stage1_boundary(D); n1 <- D$n1_used; n <- D$n_used
  out <- outcomes(r1, n1, n)
  probs <- prob_matrix(grid_full, r1, n1, n, out)
  stopifnot(max(abs(rowSums(probs) - 1)) < 1e-13)
  probs_top <- prob_matrix(0.9999, r1, n1, n, out)
  add_row(D, r1, "naive", "two.sided", 0.90, grid_full, probs, probs_top,
          naive_limits(out, 0.90, "two.sided"))
  add_row(D, r1, "naive", "greater", 0.95, grid_full, probs, probs_top,
          naive_limits(out, 0.95, "greater"))
  add_row(D, r1, "naive", "less", 0.95, grid_full, probs, probs_top,
          naive_limits(out, 0.95, "less"))
  add_row(D, r1, "exact", "two.sided", 0.90, grid_full, probs, probs_top,
          stagewise_limits(out, r1, n1, n, 0.05, "exact"))
  if (D$setting %in% clinfun_settings) {
    add_row(D, r1, "clinfun", "two.sided", 0.90, grid_clinfun,
            prob_matrix(grid_clinfun, r1, n1, n, out), probs_top,
            stagewise_limits(out, r1, n1, n, 0.05, "clinfun"))
  }
}
res <- do.call(rbind, rows)

path <- file.path("tests", "reference", "two_stage", "coverage_reference.csv")
con <- file(path, "w")
writeLines(c(
  paste0("# ", R.version.string, " (", R.version$platform, "); base R only"),
  "# call: Rscript tests/reference/two_stage/coverage_reference.R",
  "# exact coverage summed over the outcome space on a p grid; naive = binom.test(x, m,",
  "# alternative, conf.level)$conf.int; exact = Koyama & Chen stage-wise limits (uniroot);",
  "# clinfun = upper limit from P_p(T >= t) = 1 - a (clinfun's equation), x = 0 -> [0, 1 - a^(1/n1)].",
  "# argmin_index is 0-based in the grid seq(grid_from, grid_to, length.out = grid_points)."
), con)
write.csv(format(res, digits = 17), con, row.names = FALSE, quote = FALSE)
close(con)
cat("wrote", nrow(res), "rows to", path, "\n")
