# Independent re-implementation in R (base R only) of the interval methods base R lacks:
# mid-p, likelihood-ratio, Blaker and Sterne.  Written from the published definitions, not
# translated from thera_stats: different root finder (uniroot / Brent), different
# distribution code (R's dbinom / pbinom / qbeta) and, for Blaker and Sterne, a brute-force
# scan of the p-value over a fine grid instead of thera_stats' analysis of its shape.
#
# Run from this directory:  Rscript independent_r.R
# Writes
#   independent_intervals.csv.gz  mid-p and likelihood-ratio limits: every x = 0..n,
#                                 n = 1..60, two-sided at 0.95 and 0.90, one-sided at 0.95.
#   exact_sets.csv.gz             two-sided Blaker and Sterne confidence *sets* at 0.95 and
#                                 0.90 for every x = 0..n, n = 1..60, one row per disjoint
#                                 segment (the hull is the first low and the last high).
#
# Definitions (X ~ Bin(n, p); "greater" is the lower bound [low, 1], "less" the upper bound):
#   mid-p (Berry and Armitage 1995; Newcombe 1998, method 6): low solves
#     P(X > x) + P(X = x)/2 = a, high solves P(X < x) + P(X = x)/2 = a, a = tail probability;
#     low = 0 at x = 0, high = 1 at x = n.
#   likelihood-ratio (Newcombe 1998, method 7): {p : 2 [l(x/n) - l(p)] <= q}, with
#     q = qchisq(lev, 1) two-sided and q = qnorm(lev)^2 for a one-sided bound.
#   Sterne (1954): accept p when the two-sided "minlike" p-value of R's binom.test is >= alpha;
#     pv_sterne() below is binom.test's own p-value code vectorised over p (it is checked
#     against binom.test at random points when this script runs).
#   Blaker (2000): accept p when sum of P(X = y) over y with
#     min(P(X <= y), P(X >= y)) <= relErr * min(P(X <= x), P(X >= x)) is >= alpha,
#     relErr = 1 + 1e-7 (the tie tolerance of binom.test).
# The p-values are discontinuous only where an outcome y enters or leaves the set of outcomes
# "as extreme as x" (Sterne: P(X = y) = relErr P(X = x); Blaker: the tail equation).  These
# points are found with uniroot; between them the p-value is evaluated on a grid of 120
# points plus both ends (1e-11 inside), and every change of "p-value >= alpha" is refined with
# uniroot.  The scan covers [qbeta(alpha / c, x, n - x + 1), qbeta(alpha, x, n - x + 1)] for the
# lower side (c = 3 for Blaker, x + 3 for Sterne: below it the p-value is provably < alpha,
# since it is at most 2 relErr P(X >= x), resp. (1 + relErr x) P(X >= x)), the mirror image
# for the upper side; between the two one-sided Clopper-Pearson bounds every p is accepted.

relErr <- 1 + 1e-7
fmt <- function(v) sprintf("%.12g", v)
tol <- 1e-15

root <- function(f, lo, hi) uniroot(f, c(lo, hi), tol = tol, maxiter = 5000)$root

midp <- function(x, n, lev, alt) {
  a <- if (alt == "two-sided") (1 - lev) / 2 else 1 - lev
  up <- function(p) pbinom(x, n, p, lower.tail = FALSE) + dbinom(x, n, p) / 2 - a
  dn <- function(p) pbinom(x - 1, n, p) + dbinom(x, n, p) / 2 - a
  low <- if (x == 0) 0 else root(up, 0, 1)
  high <- if (x == n) 1 else root(dn, 0, 1)
  c(low, high)
}

lr <- function(x, n, lev, alt) {
  q <- if (alt == "two-sided") qchisq(lev, 1) else qnorm(lev)^2
  ph <- x / n
  ll <- function(p) (if (x > 0) x * log(p) else 0) + (if (x < n) (n - x) * log1p(-p) else 0)
  dev <- function(p) 2 * (ll(ph) - ll(p)) - q
  low <- if (x == 0) 0 else root(dev, 1e-300, ph)
  high <- if (x == n) 1 else root(dev, ph, 1 - 1e-16)
  c(low, high)
}

pmat <- function(FUN, n, p, ...) {
  G <- length(p)
  matrix(FUN(rep(0:n, each = G), n, rep(p, n + 1), ...), G)
}

pv_sterne <- function(x, n, p) {
  # binom.test's two-sided p-value, for a vector of p.
  G <- length(p)
  D <- pmat(dbinom, n, p)
  Y <- matrix(rep(0:n, each = G), G)
  d <- dbinom(x, n, p)
  m <- n * p
  ext <- D <= d * relErr
  y_up <- rowSums(ext & (Y >= ceiling(m)))
  y_dn <- rowSums(ext & (Y <= floor(m)))
  v_lo <- pbinom(x, n, p) + pbinom(n - y_up, n, p, lower.tail = FALSE)
  v_hi <- pbinom(y_dn - 1, n, p) + pbinom(x - 1, n, p, lower.tail = FALSE)
  pmin(1, ifelse(x == m, 1, ifelse(x < m, v_lo, v_hi)))
}

pv_blaker <- function(x, n, p) {
  D <- pmat(dbinom, n, p)
  Fm <- pmat(pbinom, n, p)
  S2 <- matrix(pbinom(rep(-1:(n - 1), each = length(p)), n, rep(p, n + 1),
                      lower.tail = FALSE), length(p))
  g <- pmin(Fm, S2)
  gx <- g[, x + 1]
  pmin(1, rowSums(D * (g <= gx * relErr)))
}

# One side of the confidence set: accepted segments inside [lo, hi], given the membership
# equations h_y(p) = 0 whose roots split it into pieces on which the p-value is continuous.
scan_side <- function(x, n, alpha, pv, hs, lo, hi) {
  cuts <- c(lo, hi)
  for (h in hs) {
    a <- h(lo); b <- h(hi)
    if (is.finite(a) && is.finite(b) && sign(a) != sign(b) && a != 0 && b != 0)
      cuts <- c(cuts, root(h, lo, hi))
  }
  cuts <- sort(unique(cuts))
  segs <- NULL
  f <- function(p) pv(x, n, p) - alpha
  for (i in seq_len(length(cuts) - 1)) {
    a <- cuts[i]; b <- cuts[i + 1]
    if (b - a < 1e-13) next
    eps <- min(1e-11, (b - a) / 10)
    g <- c(a + eps, seq(a, b, length.out = 122)[2:121], b - eps)
    acc <- pv(x, n, g) >= alpha
    starts <- which(acc & c(TRUE, !acc[-length(acc)]))
    ends <- which(acc & c(!acc[-1], TRUE))
    for (k in seq_along(starts)) {
      s <- starts[k]; e <- ends[k]
      sl <- if (s == 1) a else root(f, g[s - 1], g[s])
      el <- if (e == length(g)) b else root(f, g[e], g[e + 1])
      segs <- rbind(segs, c(sl, el))
    }
  }
  segs
}

merge_segs <- function(segs) {
  segs <- segs[order(segs[, 1]), , drop = FALSE]
  out <- segs[1, , drop = FALSE]
  for (i in seq_len(nrow(segs))[-1]) {
    if (segs[i, 1] <= out[nrow(out), 2] + 1e-12) {
      out[nrow(out), 2] <- max(out[nrow(out), 2], segs[i, 2])
    } else out <- rbind(out, segs[i, ])
  }
  out
}

exact_set <- function(x, n, lev, kind) {
  alpha <- 1 - lev
  pv <- if (kind == "blaker") pv_blaker else pv_sterne
  segs <- NULL
  if (x == 0) {
    lo_edge <- 0
    segs <- rbind(segs, c(0, 0))
  } else {
    c_lo <- if (kind == "blaker") 3 else x + 3
    lo <- qbeta(alpha / c_lo, x, n - x + 1)
    hi <- qbeta(alpha, x, n - x + 1)
    stopifnot(pv(x, n, lo) < alpha)
    hs <- lapply(0:(x - 1), function(y) {
      if (kind == "blaker")
        function(p) pbinom(y, n, p) - relErr * pbinom(x - 1, n, p, lower.tail = FALSE)
      else function(p) dbinom(y, n, p, log = TRUE) - dbinom(x, n, p, log = TRUE) - log(relErr)
    })
    segs <- rbind(segs, scan_side(x, n, alpha, pv, hs, lo, hi))
    lo_edge <- hi
  }
  if (x == n) {
    hi_edge <- 1
    segs <- rbind(segs, c(1, 1))
  } else {
    c_hi <- if (kind == "blaker") 3 else n - x + 3
    lo <- qbeta(alpha, x + 1, n - x, lower.tail = FALSE)
    hi <- qbeta(alpha / c_hi, x + 1, n - x, lower.tail = FALSE)
    stopifnot(pv(x, n, hi) < alpha)
    hs <- lapply((x + 1):n, function(y) {
      if (kind == "blaker")
        function(p) pbinom(y - 1, n, p, lower.tail = FALSE) - relErr * pbinom(x, n, p)
      else function(p) dbinom(y, n, p, log = TRUE) - dbinom(x, n, p, log = TRUE) - log(relErr)
    })
    segs <- rbind(segs, scan_side(x, n, alpha, pv, hs, lo, hi))
    hi_edge <- lo
  }
  # Every p between the one-sided Clopper-Pearson bounds at level 1 - alpha is accepted.
  mid <- seq(lo_edge, hi_edge, length.out = 52)[2:51]
  stopifnot(all(pv(x, n, mid) >= alpha))
  merge_segs(rbind(segs, c(lo_edge, hi_edge)))
}

# pv_sterne is binom.test's p-value: check it.
set.seed(20240601)
for (i in 1:2000) {
  n <- sample(1:60, 1); x <- sample(0:n, 1); p <- runif(1)
  stopifnot(isTRUE(all.equal(pv_sterne(x, n, p), binom.test(x, n, p)$p.value, tolerance = 1e-14)))
}

rows <- list(); k <- 0
set_rows <- list(); j <- 0
for (n in 1:60) for (x in 0:n) {
  for (lev in c(0.95, 0.90)) for (alt in c("two-sided", "greater", "less")) {
    if (alt != "two-sided" && lev != 0.95) next
    for (m in c("mid-p", "likelihood-ratio")) {
      lim <- if (m == "mid-p") midp(x, n, lev, alt) else lr(x, n, lev, alt)
      if (alt == "greater") lim[2] <- 1
      if (alt == "less") lim[1] <- 0
      k <- k + 1
      rows[[k]] <- c(m, n, x, lev, alt, fmt(lim[1]), fmt(lim[2]))
    }
  }
  for (lev in c(0.95, 0.90)) for (kind in c("blaker", "sterne")) {
    s <- exact_set(x, n, lev, kind)
    for (i in seq_len(nrow(s))) {
      j <- j + 1
      set_rows[[j]] <- c(kind, n, x, lev, i, fmt(s[i, 1]), fmt(s[i, 2]))
    }
  }
}

header <- sprintf("# %s; generated by tests/reference/binomial/independent_r.R", R.version.string)
con <- gzfile("independent_intervals.csv.gz", "w")
writeLines(c(header, "method,n,x,confidence_level,alternative,low,high"), con)
write.table(do.call(rbind, rows), con, sep = ",", quote = FALSE, row.names = FALSE,
            col.names = FALSE)
close(con)
con <- gzfile("exact_sets.csv.gz", "w")
writeLines(c(header, "method,n,x,confidence_level,segment,low,high"), con)
write.table(do.call(rbind, set_rows), con, sep = ",", quote = FALSE, row.names = FALSE,
            col.names = FALSE)
close(con)
cat("interval rows:", k, " set rows:", j, "\n")
