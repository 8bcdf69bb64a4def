// Numeric matrix exponential for the exact integrator. The matrices are tiny (a handful of coupled
// equations plus the inhomogeneous columns), so a plain Taylor series with scaling and squaring is
// accurate and simple: after scaling to norm <= 1/2 the series converges to full double precision
// within ~20 terms, and the few squarings that follow lose at most a few ulps for the stable, mildly
// stiff systems of neuron models.
#include <algorithm>
#include <cmath>

#include "passes/numerics/integrators.h"

namespace modelc::passes::numerics {

namespace {

using Matrix = std::vector<double>;

Matrix multiply(const Matrix& a, const Matrix& b, int n) {
  Matrix c(static_cast<size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) {
      double aik = a[i * n + k];
      if (aik == 0) continue;
      for (int j = 0; j < n; ++j) c[i * n + j] += aik * b[k * n + j];
    }
  return c;
}

double norm1(const Matrix& a, int n) {
  double best = 0;
  for (int j = 0; j < n; ++j) {
    double col = 0;
    for (int i = 0; i < n; ++i) col += std::fabs(a[i * n + j]);
    best = std::max(best, col);
  }
  return best;
}

// A variable that lies on no cycle with other variables (a 1x1 diagonal block of the block-triangular
// form, e.g. CUBA's ge and gi, and v driven by them) has exp(a_rr) as its diagonal entry of exp(A).
// Setting it from std::exp gives the correctly rounded factor Brian2 computes at run time, rather
// than the series' result, which can be one ulp off.
void exact_singleton_diagonal(const std::vector<double>& a, int n, Matrix& result) {
  std::vector<char> reach(static_cast<size_t>(n) * n, 0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) reach[i * n + j] = i != j && a[i * n + j] != 0.0;
  for (int k = 0; k < n; ++k)  // transitive closure (Warshall); the systems are small
    for (int i = 0; i < n; ++i)
      if (reach[i * n + k])
        for (int j = 0; j < n; ++j) reach[i * n + j] |= reach[k * n + j];
  for (int r = 0; r < n; ++r) {
    bool on_cycle = false;
    for (int j = 0; j < n && !on_cycle; ++j) on_cycle = j != r && reach[r * n + j] && reach[j * n + r];
    if (!on_cycle) result[r * n + r] = std::exp(a[r * n + r]);
  }
}

}  // namespace

std::vector<double> matrix_exponential(const std::vector<double>& a, int n) {
  double norm = norm1(a, n);
  // Checked before the cast below: converting an infinite log2 to int is undefined behaviour.
  if (!std::isfinite(norm)) return Matrix(a.size(), NAN);
  int squarings = 0;
  if (norm > 0.5) squarings = static_cast<int>(std::ceil(std::log2(norm / 0.5)));
  if (squarings > 1000) return Matrix(a.size(), NAN);
  double scale = std::ldexp(1.0, -squarings);

  Matrix scaled(a.size());
  for (size_t k = 0; k < a.size(); ++k) scaled[k] = a[k] * scale;

  Matrix result(a.size(), 0.0), term(a.size(), 0.0);
  for (int i = 0; i < n; ++i) result[i * n + i] = term[i * n + i] = 1.0;
  for (int k = 1; k <= 40; ++k) {
    term = multiply(term, scaled, n);
    for (double& x : term) x /= k;
    for (size_t q = 0; q < result.size(); ++q) result[q] += term[q];
    if (norm1(term, n) <= 1e-20 * norm1(result, n)) break;
  }
  for (int s = 0; s < squarings; ++s) result = multiply(result, result, n);
  exact_singleton_diagonal(a, n, result);
  return result;
}

}  // namespace modelc::passes::numerics
