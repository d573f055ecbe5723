# Independent reference values for thera_stats.two_stage.
#
# Written from the papers' formulas, not from the Python code:
#   * p-value and exact interval under the stage-wise ordering:
#     Koyama T, Chen H (2008), Statistics in Medicine 27:3145-3154, section 3;
#     lower limit solves P_p(T >= t) = a, upper limit solves P_p(T <= t) = a.
#   * UMVUE: Jung S-H, Kim KM (2004), Statistics in Medicine 23:881-896, eq. for
#     E[X1/n1 | M, S].
#   * median-unbiased estimate: the p with P_p(T >= t) = 1/2 (Koyama & Chen).
#   * sample-proportion (MLE) ordering: outcomes ranked by x/m, ties equal.
# Tail probabilities are sums of dbinom * pbinom terms (never 1 - other tail);
# roots by uniroot() on (0, 1) with tol = 1e-15.
#
# Run (from the repository root):
#   Rscript tests/reference/two_stage/two_stage_reference.R
# Output: tests/reference/two_stage/two_stage_reference.csv

designs <- data.frame(
  id = c("simon89_p05_opt", "simon89_p05_mm", "simon89_p10_opt", "simon89_p10_mm",
         "simon89_p20_opt", "simon89_p20_mm", "simon89_p30_opt", "simon89_p30_mm",
         "thera_plan", "thera_attained", "thera_n1_12_n_20", "thera_overrun_n_25",
         "thera_n1_13_n_20", "thera_n1_8_n_15"),
  p0 = c(0.05, 0.05, 0.10, 0.10, 0.20, 0.20, 0.30, 0.30, 0.20, 0.20, 0.20, 0.20, 0.20, 0.20),
  p1 = c(0.25, 0.25, 0.30, 0.30, 0.40, 0.40, 0.50, 0.50, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45),
  r1 = c(0, 0, 1, 1, 3, 4, 5, 6, 2, 2, 2, 2, 2, 2),
  n1 = c(9, 12, 10, 15, 13, 18, 15, 19, 10, 10, 10, 10, 10, 10),
  r  = c(2, 2, 5, 5, 12, 10, 18, 16, 7, 7, 7, 7, 7, 7),
  n  = c(17, 16, 29, 25, 43, 33, 46, 39, 22, 22, 22, 22, 22, 22),
  # stage sizes used for the analysis (attained)
  n1_used = c(9, 12, 10, 15, 13, 18, 15, 19, 10, 10, 12, 10, 13, 8),
  n_used  = c(17, 16, 29, 25, 43, 33, 46, 39, 22, 17, 20, 25, 20, 15),
  stringsAsFactors = FALSE
)

# All outcomes (stage, x, m) of a two-stage trial with sizes n1, n and boundary r1.
outcomes <- function(r1, n1, n) {
  s1 <- if (r1 >= 0) data.frame(stage = 1L, x = 0:min(r1, n1), m = n1) else NULL
  if (n1 > r1) {
    s2 <- data.frame(stage = 2L, x = (r1 + 1):n, m = n)
    rbind(s1, s2)
  } else {
    s1
  }
}

# Probability of each outcome at p.
outcome_prob <- function(p, r1, n1, n, out) {
  n2 <- n - n1
  vapply(seq_len(nrow(out)), function(i) {
    if (out$stage[i] == 1L) return(dbinom(out$x[i], n1, p))
    j <- max(r1 + 1, out$x[i] - n2):min(out$x[i], n1)
    sum(dbinom(j, n1, p) * dbinom(out$x[i] - j, n2, p))
  }, numeric(1))
}

# Stage-wise ordering, written as the paper's sums.
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

# Sample-proportion ordering: sums of outcome probabilities, ties included.
upper_mle <- function(p, r1, n1, n, stage, x, out) {
  m <- if (stage == 1L) n1 else n
  sel <- out$x * m >= x * out$m
  sum(outcome_prob(p, r1, n1, n, out)[sel])
}
lower_mle <- function(p, r1, n1, n, stage, x, out) {
  m <- if (stage == 1L) n1 else n
  sel <- out$x * m <= x * out$m
  sum(outcome_prob(p, r1, n1, n, out)[sel])
}

umvue <- function(r1, n1, n, stage, x) {
  if (stage == 1L) return(x / n1)
  n2 <- n - n1
  j <- max(r1 + 1, x - n2):min(x, n1)
  sum(choose(n1 - 1, j - 1) * choose(n2, x - j)) / sum(choose(n1, j) * choose(n2, x - j))
}

solve_p <- function(f, target) {
  # root of the monotone f(p) = target on [0, 1]; checked for monotonicity on a grid
  g <- seq(0, 1, length.out = 401)
  v <- vapply(g, f, numeric(1))
  stopifnot(all(diff(v) >= -1e-12) || all(diff(v) <= 1e-12))
  lo <- f(0) - target
  hi <- f(1) - target
  if (lo * hi > 0) return(NA_real_)
  uniroot(function(p) f(p) - target, c(0, 1), tol = 1e-15, maxiter = 10000)$root
}

# Stage-1 boundary in force at an attained stage-1 size (thera_stats.simon's
# documented off-plan rule): the planned r1 if n1 is as planned, else the largest
# r1' with P_p1(X1' <= r1') <= P_p1(X1 <= r1), -1 (no futility stop) if none.
stage1_boundary <- function(D) {
  if (D$n1_used == D$n1) return(D$r1)
  target <- pbinom(D$r1, D$n1, D$p1)
  ok <- which(pbinom(0:D$n1_used, D$n1_used, D$p1) <= target * (1 + 1e-12)) - 1
  if (length(ok)) max(ok) else -1
}

rows <- list()
for (d in seq_len(nrow(designs))) {
  D <- designs[d, ]
  r1 <- stage1_boundary(D); n1 <- D$n1_used; n <- D$n_used
  out <- outcomes(r1, n1, n)
  x_min <- 0L
  top <- nrow(out)
  for (ordering in c("stagewise", "mle")) {
    for (i in seq_len(nrow(out))) {
      st <- out$stage[i]; x <- out$x[i]
      if (ordering == "stagewise") {
        U <- function(p) upper_sw(p, r1, n1, n, st, x)
        L <- function(p) lower_sw(p, r1, n1, n, st, x)
      } else {
        U <- function(p) upper_mle(p, r1, n1, n, st, x, out)
        L <- function(p) lower_mle(p, r1, n1, n, st, x, out)
      }
      is_min <- (i == 1L)              # (1, 0): least extreme in both orderings
      is_max <- (i == top)             # most responses: most extreme in both orderings
      lim_low <- function(a) if (is_min) 0 else solve_p(U, a)
      lim_high <- function(a) if (is_max) 1 else solve_p(L, a)
      rows[[length(rows) + 1]] <- data.frame(
        design = D$id, p0 = D$p0, p1 = D$p1, r1 = D$r1, n1 = D$n1, r = D$r, n = D$n,
        r1_used = r1, n1_used = n1, n_used = n, ordering = ordering, stage = st, x = x,
        pvalue = U(D$p0),
        umvue = umvue(r1, n1, n, st, x),
        median_unbiased = lim_low(0.5),
        ci90_low = lim_low(0.05), ci90_high = lim_high(0.05),
        ci95_greater_low = lim_low(0.05 * 1), ci95_less_high = lim_high(0.05),
        ci95_low = lim_low(0.025), ci95_high = lim_high(0.025),
        stringsAsFactors = FALSE
      )
    }
  }
}
res <- do.call(rbind, rows)

path <- file.path("tests", "reference", "two_stage", "two_stage_reference.csv")
con <- file(path, "w")
writeLines(c(
  paste0("# ", R.version.string, " (", R.version$platform, "); base R only"),
  "# call: Rscript tests/reference/two_stage/two_stage_reference.R",
  "# independent implementation from Koyama & Chen (2008) and Jung & Kim (2004) formulas;",
  "# ci90_* two-sided 90% (a = 0.05 each side); ci95_greater_low / ci95_less_high one-sided 95%;",
  "# ci95_* two-sided 95%. n1_used / n_used are the stage sizes analysed (attained),",
  "# r1_used the stage-1 boundary in force at n1_used."
), con)
write.csv(format(res, digits = 17), con, row.names = FALSE, quote = FALSE)
close(con)
cat("wrote", nrow(res), "rows to", path, "\n")
