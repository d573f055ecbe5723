# Design-adjusted inference after a multi-stage single-arm binary design, in base R (no package),
# for every terminal outcome of a few designs. Run from this folder:
#   Rscript inference_base_r.R     (writes inference_base_r.csv, about a minute)
#
# Conventions as in oc_base_r.R (stop no go if X_k <= a_k, stop go if X_k > e_k, at K go iff X_K > a_K).
# Sample space: every stage-wise outcome (y_1, ..., y_K) is enumerated (expand.grid) and mapped to
# its terminal outcome (k, s) = (stopping look, cumulative responses at it). The number of patient
# sequences leading to (k, s) is c(k, s) = sum over paths prod_{j <= k} choose(m_j, y_j), so that
# f(k, s | p) = c(k, s) p^s (1 - p)^(n_k - s) exactly (the counts are integers < 2^53 here).
#
# Estimators
#   mle      s / n_k
#   umvue    Rao-Blackwellised first-patient indicator: c1(k, s) / c(k, s), c1 counting the
#            sequences whose first patient responds (first-stage factor choose(m_1 - 1, y_1 - 1))
#            (Jung & Kim 2004 for K = 2; the same argument for any K)
#   bias_adjusted  (Whitehead 1986) p solving E_p[S / N] = s / n_k (0 at s = 0, 1 at s = n_k)
#   mue_<ordering> median-unbiased: p solving P_p(T >= t) = 1/2 (singlearm's definition);
#                  mue_mid_<ordering>: P_p(T > t) + P_p(T = t) / 2 = 1/2
# Orderings of the terminal outcomes T = (k, s):
#   stagewise  go (efficacy) stops: earlier look more extreme than any later outcome; futility stops:
#              earlier look less extreme than any later outcome; within a look, larger s more extreme.
#              (For Simon designs: every stage-1 stop is below every stage-2 outcome, as in clinfun.)
#   mle        by s / n_k (ties equal)
#   umvue      by the UMVUE (ties equal)  (singlearm's "umvue" ordering)
# p-values (H0: p <= p0, one-sided): p_exact = P_p0(T >= t); p_mid = P_p0(T > t) + P_p0(T = t) / 2.
# Confidence intervals, two-sided level 1 - 2 * tail, tail in {0.025, 0.05}:
#   lower: p with P_p(T >= t) = tail (0 if t is the least extreme outcome);
#   upper "conventional": p with P_p(T <= t) = tail (1 if t is the most extreme outcome);
#   upper "clinfun" (clinfun::twostage.inference and others): p with P_p(T >= t) = 1 - tail,
#         i.e. P_p(T <= t - 1) = tail, "Clopper-Pearson at x - 1" (smaller, and not guaranteed coverage);
#   mid-p limits: P_p(T > t) + P_p(T = t)/2 = tail, P_p(T < t) + P_p(T = t)/2 = tail.
# Roots by uniroot(tol = 1e-13) on [0, 1]. Output long: design_id, look, s, n, decision, quantity,
# ordering, tail, value (17 significant digits).

designs <- list(
  list(id = "simon_opt_p02_p04", p0 = 0.2, n = c(13, 43), a = c(3, 12), e = c(NA, NA)),
  list(id = "simon_opt_p01_p03", p0 = 0.1, n = c(10, 29), a = c(1, 5), e = c(NA, NA)),
  list(id = "mt_opt_p02_p04_a010", p0 = 0.2, n = c(16, 41), a = c(3, 11), e = c(6, NA)),
  list(id = "three_stage_p01_p03", p0 = 0.1, n = c(6, 17, 29), a = c(0, 2, 5), e = c(NA, NA, NA)),
  list(id = "three_stage_eff_p01_p03", p0 = 0.1, n = c(10, 20, 30), a = c(0, 2, 5), e = c(3, 5, NA)),
  list(id = "three_stage_futeff_opt_p01_p03", p0 = 0.1, n = c(6, 16, 34), a = c(0, 2, 6), e = c(2, 4, NA))
)

sample_space <- function(d) {
  K <- length(d$n); m <- diff(c(0, d$n))
  g <- as.matrix(expand.grid(lapply(m, function(mk) 0:mk)))
  X <- g; if (K > 1) for (k in 2:K) X[, k] <- X[, k - 1] + g[, k]
  look <- rep(NA_integer_, nrow(g)); go <- rep(NA, nrow(g))
  for (k in seq_len(K)) {
    open <- is.na(look)
    if (k < K) {
      fut <- open & X[, k] <= d$a[k]
      eff <- if (is.na(d$e[k])) rep(FALSE, nrow(g)) else open & X[, k] > d$e[k]
      look[fut] <- k; go[fut] <- FALSE; look[eff] <- k; go[eff] <- TRUE
    } else { look[open] <- K; go[open] <- X[open, K] > d$a[K] }
  }
  s <- X[cbind(seq_len(nrow(g)), look)]
  # count each prefix (y_1..y_look) once: weight prod_{j <= look} choose(m_j, y_j) divided by the
  # number of suffixes, prod_{j > look} (m_j + 1), which expand.grid repeats it
  w <- w1 <- rep(1, nrow(g))
  for (k in seq_len(K)) {
    inside <- look >= k
    ck <- choose(m[k], g[, k])
    w <- w * ifelse(inside, ck, 1 / (m[k] + 1))
    c1 <- if (k == 1) choose(m[1] - 1, g[, 1] - 1) else ck
    w1 <- w1 * ifelse(inside, c1, 1 / (m[k] + 1))
  }
  key <- paste(look, s)
  tab <- data.frame(look = as.integer(tapply(look, key, `[`, 1)), s = as.integer(tapply(s, key, `[`, 1)),
                    go = tapply(go, key, `[`, 1), count = round(tapply(w, key, sum)),
                    count1 = round(tapply(w1, key, sum)))
  tab$n <- d$n[tab$look]
  tab <- tab[order(tab$look, tab$s), ]
  rownames(tab) <- NULL
  tab$mle <- tab$s / tab$n
  tab$umvue <- tab$count1 / tab$count
  big <- 1000
  tab$stagewise <- ifelse(tab$look == K, tab$s,
                     ifelse(tab$go, big * (K - tab$look) + tab$s, -big * (K - tab$look) + tab$s))
  tab
}

pmf <- function(tab, p) tab$count * p^tab$s * (1 - p)^(tab$n - tab$s)
root <- function(f, lo_value, hi_value) {
  # f increasing or decreasing in p on [0, 1]; returns the p where f = 0
  uniroot(f, c(0, 1), tol = 1e-13, maxiter = 1000)$root
}
upper_tail <- function(tab, ord, t, p) { f <- pmf(tab, p); sum(f[ord >= t]) }
lower_tail <- function(tab, ord, t, p) { f <- pmf(tab, p); sum(f[ord <= t]) }
mid_upper <- function(tab, ord, t, p) { f <- pmf(tab, p); sum(f[ord > t]) + sum(f[ord == t]) / 2 }
mid_lower <- function(tab, ord, t, p) { f <- pmf(tab, p); sum(f[ord < t]) + sum(f[ord == t]) / 2 }

solve_p <- function(g, target) {
  # g(p) nondecreasing in p; smallest p with g(p) = target, with the end points handled
  if (g(0) >= target) return(0)
  if (g(1) <= target) return(1)
  uniroot(function(p) g(p) - target, c(0, 1), tol = 1e-13, maxiter = 1000)$root
}
solve_p_dec <- function(g, target) {
  # g(p) nonincreasing in p
  if (g(1) >= target) return(1)
  if (g(0) <= target) return(0)
  uniroot(function(p) g(p) - target, c(0, 1), tol = 1e-13, maxiter = 1000)$root
}

rows <- list()
for (d in designs) {
  tab <- sample_space(d)
  stopifnot(abs(sum(pmf(tab, 0.37)) - 1) < 1e-12)
  for (i in seq_len(nrow(tab))) {
    r <- tab[i, ]
    add <- function(quantity, ordering, tail, value) rows[[length(rows) + 1]] <<- data.frame(
      design_id = d$id, look = r$look, s = r$s, n = r$n, decision = ifelse(r$go, "go", "no_go"),
      quantity = quantity, ordering = ordering, tail = tail, value = sprintf("%.17g", value))
    add("mle", "", NA, r$mle)
    add("umvue", "", NA, r$umvue)
    mean_mle <- function(p) sum(pmf(tab, p) * tab$mle)
    add("bias_adjusted", "", NA, if (r$s == 0) 0 else if (r$s == r$n) 1 else solve_p(mean_mle, r$mle))
    for (ordering in c("stagewise", "mle", "umvue")) {
      ord <- tab[[ordering]]; t <- ord[i]
      add("p_exact", ordering, NA, upper_tail(tab, ord, t, d$p0))
      add("p_mid", ordering, NA, mid_upper(tab, ord, t, d$p0))
      add("mue", ordering, NA, solve_p(function(p) upper_tail(tab, ord, t, p), 0.5))
      add("mue_mid", ordering, NA, solve_p(function(p) mid_upper(tab, ord, t, p), 0.5))
      for (tail in c(0.025, 0.05)) {
        add("ci_lower", ordering, tail, solve_p(function(p) upper_tail(tab, ord, t, p), tail))
        add("ci_upper", ordering, tail, solve_p_dec(function(p) lower_tail(tab, ord, t, p), tail))
        add("ci_upper_clinfun", ordering, tail, solve_p(function(p) upper_tail(tab, ord, t, p), 1 - tail))
        add("ci_lower_mid", ordering, tail, solve_p(function(p) mid_upper(tab, ord, t, p), tail))
        add("ci_upper_mid", ordering, tail, solve_p_dec(function(p) mid_lower(tab, ord, t, p), tail))
      }
    }
  }
}
res <- do.call(rbind, rows)
write.csv(res, "inference_base_r.csv", row.names = FALSE, quote = FALSE, na = "")
cat(nrow(res), "rows;", R.version.string, "\n")
