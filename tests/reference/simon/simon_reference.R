# Independent reference values for thera_stats.simon, in base R (dbinom/pbinom only).
#
#   Rscript tests/reference/simon/simon_reference.R   (run from the repository root)
#
# Writes, next to this script:
#   simon_tables_R.csv   optimal and minimax designs for every (p0, p1, alpha, beta) of
#                        Simon (1989) Tables 1 and 2, found by brute force over
#                        (n, n1, r1, r) (see search() below);
#   oc_R.csv             exact alpha, power, PET and EN at p0 and p1 of listed designs,
#                        by direct binomial sums (17 significant digits);
#   offplan_R.csv        boundaries r* = smallest r with P0(X1 > r1, X1 + X2 > r) <= alpha
#                        at attained sizes.
# Conventions: stop if X1 <= r1; go if X1 + X2 > r. For each (n, n1, r1) the final
# boundary is the smallest r with alpha <= target; feasible if power >= 1 - beta.
# Ties in EN(p0) (equal to 10 decimals) go to smaller n, then n1, then r1.

here <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f)) dirname(normalizePath(f)) else "tests/reference/simon"
})

prob_go <- function(r1, n1, r, n, p) {
  # P_p(X1 > r1, X1 + X2 > r) by direct summation over x1
  if (r1 + 1 > n1) return(0)
  x1 <- (r1 + 1):n1
  sum(dbinom(x1, n1, p) * pbinom(r - x1, n - n1, p, lower.tail = FALSE))
}

# alpha (or power) for all r1 in 0..n1-1 (rows) and r in 0..n (columns)
go_matrix <- function(n1, n, p) {
  x1 <- 0:n1
  r <- 0:n
  sf <- outer(x1, r, function(x, rr) pbinom(rr - x, n - n1, p, lower.tail = FALSE))
  m <- dbinom(x1, n1, p) * sf                   # row x1
  cs <- apply(m[nrow(m):1, , drop = FALSE], 2, cumsum)[nrow(m):1, , drop = FALSE]
  # cs[x1 + 1, ] = sum over x >= x1; for r1 we need x >= r1 + 1
  cs[2:(n1 + 1), , drop = FALSE]                # row r1 + 1 <-> r1 = 0..n1-1
}

best_at_n <- function(n, p0, p1, alpha, beta, en_cap = Inf) {
  best <- NULL
  for (n1 in 1:(n - 1)) {
    if (n1 >= en_cap) break
    a <- go_matrix(n1, n, p0)
    w <- go_matrix(n1, n, p1)
    for (r1 in 0:(n1 - 1)) {
      ok <- which(a[r1 + 1, ] <= alpha)          # r = ok - 1, decreasing alpha in r
      if (!length(ok)) next
      rr <- min(ok) - 1
      if (rr < r1) rr <- r1                      # r >= r1 (alpha there is <= target too)
      if (rr >= n) next
      if (w[r1 + 1, rr + 1] < 1 - beta) next
      pet <- pbinom(r1, n1, p0)
      en <- n1 + (1 - pet) * (n - n1)
      if (is.null(best) || round(en, 10) < round(best$en, 10)) {
        best <- list(r1 = r1, n1 = n1, r = rr, n = n, en = en)
      }
    }
  }
  best
}

search <- function(p0, p1, alpha, beta) {
  # minimax: increase n until some design is feasible
  n <- 2
  repeat {
    mm <- best_at_n(n, p0, p1, alpha, beta)
    if (!is.null(mm)) break
    n <- n + 1
  }
  # optimal: any design with EN < EN(minimax) has n1 < EN(minimax) and
  # n <= n1 + (EN_mm - n1) / P0(X1 > r1) with P1(X1 > r1) >= 1 - beta; compute that bound
  en_mm <- mm$en
  nbound <- mm$n
  for (n1 in 1:floor(en_mm)) {
    r1 <- 0:(n1 - 1)
    okr <- r1[pbinom(r1, n1, p1, lower.tail = FALSE) >= 1 - beta]
    if (!length(okr)) next
    q <- pbinom(max(okr), n1, p0, lower.tail = FALSE)
    nbound <- max(nbound, floor(n1 + (en_mm - n1) / q))
  }
  opt <- mm
  for (n in (mm$n + 1):nbound) {
    b <- best_at_n(n, p0, p1, alpha, beta, en_cap = opt$en)
    if (!is.null(b) && round(b$en, 10) < round(opt$en, 10)) opt <- b
  }
  list(optimal = opt, minimax = mm, nbound = nbound)
}

grid <- rbind(
  expand.grid(p0 = c(0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70), delta = 0.20,
              ab = 1:3),
  expand.grid(p0 = c(0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70, 0.80), delta = 0.15,
              ab = 1:3)
)
ab <- rbind(c(0.10, 0.10), c(0.05, 0.20), c(0.05, 0.10))
rows <- list()
for (i in seq_len(nrow(grid))) {
  p0 <- grid$p0[i]; p1 <- round(p0 + grid$delta[i], 2)
  alpha <- ab[grid$ab[i], 1]; beta <- ab[grid$ab[i], 2]
  s <- search(p0, p1, alpha, beta)
  for (crit in c("optimal", "minimax")) {
    d <- s[[crit]]
    rows[[length(rows) + 1]] <- data.frame(
      table = if (grid$delta[i] == 0.20) 1 else 2, p0 = p0, p1 = p1, alpha = alpha,
      beta = beta, criterion = crit, r1 = d$r1, n1 = d$n1, r = d$r, n = d$n,
      en_p0 = sprintf("%.17g", d$en), n_bound = s$nbound)
  }
}
tab <- do.call(rbind, rows)
write.csv(tab, file.path(here, "simon_tables_R.csv"), row.names = FALSE, quote = FALSE)

# Operating characteristics of listed designs (p0, p1, r1, n1, r, n)
designs <- rbind(
  c(0.20, 0.45, 2, 10, 7, 22),    # the THERA-style design used in the docs
  c(0.20, 0.40, 3, 13, 12, 43),   # Simon (1989) Table 1, alpha 0.05, beta 0.20, optimal
  c(0.20, 0.40, 4, 18, 10, 33),   # ... minimax
  c(0.20, 0.40, 3, 17, 10, 37),   # Table 1, alpha = beta = 0.10, optimal
  c(0.30, 0.45, 13, 40, 40, 110), # Table 2, alpha 0.05, beta 0.10, optimal
  c(0.05, 0.25, 0, 9, 2, 17),
  c(0.70, 0.90, 4, 6, 22, 27),
  c(0.20, 0.35, 11, 50, 28, 109)  # clinfun ph2simon(0.2, 0.35, 0.05, 0.05, nmax = 150)
)
oc <- do.call(rbind, lapply(seq_len(nrow(designs)), function(i) {
  d <- designs[i, ]
  p0 <- d[1]; p1 <- d[2]; r1 <- d[3]; n1 <- d[4]; r <- d[5]; n <- d[6]
  pet0 <- pbinom(r1, n1, p0); pet1 <- pbinom(r1, n1, p1)
  data.frame(p0 = p0, p1 = p1, r1 = r1, n1 = n1, r = r, n = n,
             alpha = sprintf("%.17g", prob_go(r1, n1, r, n, p0)),
             power = sprintf("%.17g", prob_go(r1, n1, r, n, p1)),
             pet_p0 = sprintf("%.17g", pet0), pet_p1 = sprintf("%.17g", pet1),
             en_p0 = sprintf("%.17g", n1 + (1 - pet0) * (n - n1)),
             en_p1 = sprintf("%.17g", n1 + (1 - pet1) * (n - n1)))
}))
write.csv(oc, file.path(here, "oc_R.csv"), row.names = FALSE, quote = FALSE)

# Off-plan boundaries for the design (r1 = 2, n1 = 10, r = 7, n = 22), p0 = 0.2, alpha = 0.05
off <- do.call(rbind, lapply(c(10, 12, 15, 17, 20, 22, 25), function(n) {
  rs <- 2:n
  a <- sapply(rs, function(r) prob_go(2, 10, r, n, 0.2))
  rstar <- rs[which(a <= 0.05)[1]]
  data.frame(r1 = 2, n1 = 10, n = n, p0 = 0.2, alpha = 0.05, r_star = rstar,
             type1 = sprintf("%.17g", prob_go(2, 10, rstar, n, 0.2)))
}))
write.csv(off, file.path(here, "offplan_R.csv"), row.names = FALSE, quote = FALSE)
cat("done\n")
