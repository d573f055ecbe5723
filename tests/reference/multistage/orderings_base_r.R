# Likelihood-ratio and score orderings, and the UMVCUE, after a multi-stage single-arm binary
# design, in base R (no package), written from the definitions, for every terminal outcome of
# six designs (K = 2, K = 2 with an efficacy stop, K = 3, K = 3 with efficacy stops, K = 4).
# Run from this folder:
#   Rscript orderings_base_r.R     (writes orderings_base_r.csv; a few minutes)
#
# Conventions as in oc_base_r.R / inference_base_r.R (stop no go if X_k <= a_k, stop go if
# X_k > e_k, at K go iff X_K > a_K). Sample space: every stage-wise outcome (y_1, ..., y_K)
# (expand.grid), mapped to its terminal outcome t = (k, s); f(t | p) = c(k, s) p^s (1-p)^(n_k - s).
#
# Orderings that depend on the tested rate p (Jennison & Turnbull 2000, sec. 8.4; Rosner &
# Tsiatis 1988), the statistic of an outcome (k, s) with n = n_k against p:
#   score  U_p = s - n p              (the efficient score (s - n p) / (p (1 - p)), times a
#                                      positive constant)
#   lr     R_p = sign(s - n p) sqrt(2 [l(s/n) - l(p)]),  l(q) = s log q + (n - s) log(1 - q)
#          (signed root of the likelihood-ratio statistic; 0 when |s - n p| <= 1e-12 n)
# Outcomes whose statistics differ by at most 1e-9 tie. The ordering at p is the one at
# min(max(p, 1e-9), 1 - 1e-9) (its limit at p = 0 and p = 1).
# With G_p(t) = P_p(stat_p(T) >= stat_p(t)) and H_p(t) = P_p(stat_p(T) <= stat_p(t)):
#   p_exact = G_p0(t); p_mid = P_p0(stat > stat(t)) + P_p0(tie) / 2   (the ordering at p0)
#   ci_lower(tail) = inf{p in [0, 1]: G_p(t) > tail};  ci_upper(tail) = sup{p: H_p(t) > tail}
#   mue = inf{p: G_p(t) > 1/2}
#   set_pieces(tail): the number of disjoint intervals of {p: G_p(t) > tail and H_p(t) > tail}
#          on the grid below (1 = the confidence set is an interval on this grid)
# Each inf / sup: G (or H) on a uniform grid of 20001 points p = j / 20000, augmented by every
# rate b at which the statistic of another outcome crosses that of t (the tails jump there):
# b - 1e-8, b, b + 1e-8 (score: b = (s' - s) / (n' - n) exactly; lr: uniroot(tol = 1e-15) on
# each grid cell where R_p(t') - R_p(t) changes sign). The first (last) point inside the set,
# then 60 bisections of the indicator "G_p(t) > tail" between it and the point before (after)
# it (no root finder, no assumption of continuity or monotonicity).
# UMVCUE (Pepe et al. 2009; Koopmeiners et al. 2012), outcomes at the last look K only:
#   umvcue(s) = E[(X_K - X_{K-1}) / (n_K - n_{K-1}) | X_K = s, trial reached look K]
#             = sum over stage-wise paths ending at (K, s) of w * y_K / m_K, over sum of w,
#             w = prod_j choose(m_j, y_j)   (exact enumeration; a different formula from the
#             Python one, which counts the sequences whose last patient responds)
#   umvcue_mean(p): sum_{s} f(K, s | p) umvcue(s) / P_p(reach K), which must equal p.
# Output long: design_id, look, s, n, decision, quantity, ordering, tail, value (17 digits).

designs <- list(
  list(id = "simon_opt_p02_p04", p0 = 0.2, n = c(13, 43), a = c(3, 12), e = c(NA, NA)),
  list(id = "mt_opt_p02_p04_a010", p0 = 0.2, n = c(16, 41), a = c(3, 11), e = c(6, NA)),
  list(id = "three_stage_p01_p03", p0 = 0.1, n = c(6, 17, 29), a = c(0, 2, 5), e = c(NA, NA, NA)),
  list(id = "three_stage_futeff_opt_p01_p03", p0 = 0.1, n = c(6, 16, 34), a = c(0, 2, 6),
       e = c(2, 4, NA)),
  list(id = "three_stage_eff_p02_p04", p0 = 0.2, n = c(15, 30, 45), a = c(2, 8, 13),
       e = c(7, 11, NA)),
  list(id = "four_stage_eff", p0 = 0.2, n = c(8, 16, 24, 32), a = c(0, 3, 5, 9), e = c(4, 7, 9, NA))
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
  # each prefix (y_1..y_look) once: weight prod_{j <= look} choose(m_j, y_j), divided by the
  # prod_{j > look} (m_j + 1) suffixes expand.grid repeats it with
  w <- rep(1, nrow(g))
  for (k in seq_len(K)) w <- w * ifelse(look >= k, choose(m[k], g[, k]), 1 / (m[k] + 1))
  key <- paste(look, s)
  tab <- data.frame(look = as.integer(tapply(look, key, `[`, 1)), s = as.integer(tapply(s, key, `[`, 1)),
                    go = tapply(go, key, `[`, 1), count = round(tapply(w, key, sum)))
  # UMVCUE at the last look: E[y_K / m_K | X_K = s, reach K]
  last <- look == K
  num <- tapply((w * g[, K] / m[K])[last], s[last], sum)
  den <- tapply(w[last], s[last], sum)
  tab$umvcue <- NA_real_
  atK <- tab$look == K
  tab$umvcue[atK] <- (num / den)[as.character(tab$s[atK])]
  tab$n <- d$n[tab$look]
  tab <- tab[order(tab$look, tab$s), ]
  rownames(tab) <- NULL
  tab
}

pmf <- function(tab, p) tab$count * p^tab$s * (1 - p)^(tab$n - tab$s)
xlog1py <- function(x, y) ifelse(x == 0, 0, x * log1p(y))
statistic <- function(kind, tab, p) {
  pc <- min(max(p, 1e-9), 1 - 1e-9)
  s <- tab$s; n <- tab$n
  if (kind == "score") return(s - n * pc)
  # 2 [l(s/n) - l(p)] as 2 [s log(1 + d/(n p)) + (n - s) log(1 - d/(n (1 - p)))], d = s - n p:
  # accurate next to the MLE (the plain difference of logs loses ~1e-8 in the root there)
  d <- s - n * pc
  dev <- 2 * (xlog1py(s, d / (n * pc)) + xlog1py(n - s, -d / (n * (1 - pc))))
  r <- sign(d) * sqrt(pmax(dev, 0))
  r[abs(d) <= 1e-12 * n] <- 0
  r
}
TIE <- 1e-9
G <- function(kind, tab, i, p) { st <- statistic(kind, tab, p); sum(pmf(tab, p)[st >= st[i] - TIE]) }
H <- function(kind, tab, i, p) { st <- statistic(kind, tab, p); sum(pmf(tab, p)[st <= st[i] + TIE]) }

grid <- (0:20000) / 20000
tails_on_grid <- function(kind, tab) {
  Gm <- Hm <- S <- matrix(NA_real_, length(grid), nrow(tab))
  for (j in seq_along(grid)) {
    st <- statistic(kind, tab, grid[j]); f <- pmf(tab, grid[j]); S[j, ] <- st
    ge <- outer(st, st - TIE, `>=`)   # ge[a, b]: outcome a at least as extreme as b
    le <- outer(st, st + TIE, `<=`)
    Gm[j, ] <- colSums(f * ge); Hm[j, ] <- colSums(f * le)
  }
  list(G = Gm, H = Hm, S = S)
}
bisect <- function(inside, out_p, in_p) {
  for (it in 1:60) {
    mid <- (out_p + in_p) / 2
    if (inside(mid)) in_p <- mid else out_p <- mid
  }
  (out_p + in_p) / 2
}
crossings <- function(kind, tab, i, S) {   # S: statistics on the grid (grid x outcomes)
  b <- c()
  for (j in seq_len(nrow(tab))) {
    if (j == i || tab$n[j] == tab$n[i]) next
    if (kind == "score") {
      b <- c(b, (tab$s[j] - tab$s[i]) / (tab$n[j] - tab$n[i]))
    } else {
      dj <- function(p) { st <- statistic(kind, tab, p); st[j] - st[i] }
      v <- S[, j] - S[, i]
      for (c in which((v[-1] > 0) != (v[-length(v)] > 0)))
        b <- c(b, uniroot(dj, c(grid[c], grid[c + 1]), tol = 1e-15)$root)
    }
  }
  b <- b[b > 0 & b < 1]
  x <- c(b - 1e-8, b, b + 1e-8)
  x[x > 0 & x < 1]
}
inf_set <- function(pts, on_pts, fn, target) {   # inf{p: fn(p) > target}
  idx <- which(on_pts > target)
  if (length(idx) == 0) return(1)
  j <- idx[1]; if (j == 1) return(0)
  bisect(function(p) fn(p) > target, pts[j - 1], pts[j])
}
sup_set <- function(pts, on_pts, fn, target) {   # sup{p: fn(p) > target}
  idx <- which(on_pts > target)
  if (length(idx) == 0) return(0)
  j <- idx[length(idx)]; if (j == length(pts)) return(1)
  bisect(function(p) fn(p) > target, pts[j + 1], pts[j])
}

rows <- list()
for (d in designs) {
  tab <- sample_space(d)
  stopifnot(abs(sum(pmf(tab, 0.37)) - 1) < 1e-12)
  K <- length(d$n)
  add <- function(i, quantity, ordering, tail, value) rows[[length(rows) + 1]] <<- data.frame(
    design_id = d$id, look = tab$look[i], s = tab$s[i], n = tab$n[i],
    decision = ifelse(tab$go[i], "go", "no_go"), quantity = quantity, ordering = ordering,
    tail = tail, value = sprintf("%.17g", value))
  for (i in seq_len(nrow(tab))) if (tab$look[i] == K) add(i, "umvcue", "", NA, tab$umvcue[i])
  atK <- tab$look == K
  for (p in c(0.1, 0.3, 0.6)) {
    f <- pmf(tab, p)
    mean_umvcue <- sum(f[atK] * tab$umvcue[atK]) / sum(f[atK])
    cat(d$id, "E_p[UMVCUE | reach K] at p =", p, ":", sprintf("%.15f", mean_umvcue), "\n")
    stopifnot(abs(mean_umvcue - p) < 1e-12)
  }
  for (kind in c("lr", "score")) {
    tg <- tails_on_grid(kind, tab)
    for (i in seq_len(nrow(tab))) {
      st <- statistic(kind, tab, d$p0); f <- pmf(tab, d$p0)
      above <- sum(f[st > st[i] + TIE]); tie <- sum(f[abs(st - st[i]) <= TIE])
      add(i, "p_exact", kind, NA, above + tie)
      add(i, "p_mid", kind, NA, above + tie / 2)
      g_fn <- function(p) G(kind, tab, i, p); h_fn <- function(p) H(kind, tab, i, p)
      extra <- crossings(kind, tab, i, tg$S)
      pts <- c(grid, extra); o <- order(pts); pts <- pts[o]
      g_pts <- c(tg$G[, i], sapply(extra, g_fn))[o]; h_pts <- c(tg$H[, i], sapply(extra, h_fn))[o]
      add(i, "mue", kind, NA, inf_set(pts, g_pts, g_fn, 0.5))
      for (tail in c(0.025, 0.05)) {
        add(i, "ci_lower", kind, tail, inf_set(pts, g_pts, g_fn, tail))
        add(i, "ci_upper", kind, tail, sup_set(pts, h_pts, h_fn, tail))
        inside <- (g_pts > tail) & (h_pts > tail)
        add(i, "set_pieces", kind, tail, sum(diff(c(FALSE, inside)) == 1))
      }
    }
    cat(d$id, kind, "done\n")
  }
}
res <- do.call(rbind, rows)
write.csv(res, "orderings_base_r.csv", row.names = FALSE, quote = FALSE, na = "")
cat(nrow(res), "rows;", R.version.string, "\n")
