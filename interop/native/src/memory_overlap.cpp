// memory_overlap.cpp: see memory_overlap.h.
#include "memory_overlap.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

namespace fr {

std::pair<uintptr_t, uintptr_t> byte_span(const ByteLayout& layout) {
    int64_t down = 0, up = 0;
    for (const auto& dim : layout.dims) {
        const int64_t reach = dim.first * (dim.second - 1);
        (reach < 0 ? down : up) += reach;
    }
    return {layout.base + static_cast<uintptr_t>(down),
            layout.base + static_cast<uintptr_t>(up) + static_cast<uintptr_t>(layout.element_bytes)};
}

namespace {

int64_t floor_div(int64_t n, int64_t d) {  // d > 0
    return n >= 0 ? n / d : -((-n + d - 1) / d);
}

int64_t ceil_div(int64_t n, int64_t d) { return -floor_div(-n, d); }  // d > 0

// (a * b) % m without overflow, for 0 <= a, b < m < 2^62.
int64_t mul_mod(int64_t a, int64_t b, int64_t m) {
#if defined(__SIZEOF_INT128__)
    __extension__ typedef unsigned __int128 wide;  // GCC and Clang
    return static_cast<int64_t>(static_cast<wide>(a) * static_cast<wide>(b) % static_cast<wide>(m));
#else
    int64_t result = 0;  // elsewhere (MSVC): by doubling, 2 * a < 2^63
    for (; b > 0; b >>= 1) {
        if (b & 1) result = (result + a) % m;
        a = (a * 2) % m;
    }
    return result;
#endif
}

// x with (a * x) % m == 1, for a and m coprime, m >= 1.
int64_t inverse_mod(int64_t a, int64_t m) {
    int64_t r0 = m, r1 = ((a % m) + m) % m, t0 = 0, t1 = 1;
    while (r1 != 0) {
        const int64_t q = r0 / r1;
        r0 -= q * r1;
        std::swap(r0, r1);
        t0 -= q * t1;
        std::swap(t0, t1);
    }
    return ((t0 % m) + m) % m;
}

// One positive stride and the integer range of its coefficient: a's i_k enter as stride * [0, extent - 1], b's j_k
// as stride * [-(extent - 1), 0] (the difference of addresses), equal strides merged by adding their ranges.
struct Term {
    int64_t stride;
    int64_t low, high;
    int64_t span() const { return stride * (high - low); }
};

// About how many values the enumeration tries with `leaves` solved at the end: per outer term (largest stride first),
// the values whose product with the stride still lies in the window widened by the span of the terms after it.
double estimated_cost(const std::vector<Term>& terms, size_t first_leaf, size_t second_leaf, int64_t window) {
    std::vector<const Term*> outer;
    double rest = static_cast<double>(terms[first_leaf].span()) + static_cast<double>(terms[second_leaf].span());
    for (size_t k = 0; k < terms.size(); ++k)
        if (k != first_leaf && k != second_leaf) outer.push_back(&terms[k]);
    std::sort(outer.begin(), outer.end(), [](const Term* x, const Term* y) { return x->stride < y->stride; });
    double cost = 1.0;
    for (const Term* t : outer) {  // smallest stride first: `rest` grows by each term's span on the way out
        const double values = std::min(static_cast<double>(t->high - t->low) + 1.0,
                                       std::floor((static_cast<double>(window) + rest) / static_cast<double>(t->stride)) + 1.0);
        cost *= values;
        rest += static_cast<double>(t->span());
    }
    return cost;
}

// Is there a choice of every coefficient c_k in its range with lower < sum stride_k * c_k < upper (both exclusive)?
// Two terms, the leaves, are solved exactly for each choice of the others as the linear Diophantine equation they
// are; the others are enumerated, largest stride first, keeping only values the rest can still complete. The leaves
// are the pair that leaves the least to enumerate (for nested layouts the smallest strides, for long dimensions at
// unrelated strides the longest), by estimated_cost.
class Search {
public:
    Search(std::vector<Term> terms, int64_t window, int64_t budget) : budget_(budget) {
        size_t first = 0, second = 1;
        double best = -1.0;
        for (size_t i = 0; i + 1 < terms.size(); ++i) {
            for (size_t j = i + 1; j < terms.size(); ++j) {
                const double cost = estimated_cost(terms, i, j, window);
                if (best < 0.0 || cost < best) {
                    best = cost;
                    first = i;
                    second = j;
                }
            }
        }
        for (size_t k = 0; k < terms.size(); ++k)  // fewer than two terms: all are leaves
            (terms.size() < 2 || k == first || k == second ? leaf_ : outer_).push_back(terms[k]);
        // the leaf of wider range is x (leaf_.back()): iterating it is the fallback for wide windows
        if (leaf_.size() == 2 && leaf_[0].high - leaf_[0].low > leaf_[1].high - leaf_[1].low) std::swap(leaf_[0], leaf_[1]);
        std::sort(outer_.begin(), outer_.end(), [](const Term& x, const Term& y) { return x.stride > y.stride; });
        const size_t n = outer_.size();
        least_.assign(n + 1, 0);
        most_.assign(n + 1, 0);
        for (const Term& t : leaf_) {
            least_[n] += t.stride * t.low;
            most_[n] += t.stride * t.high;
        }
        for (size_t k = n; k-- > 0;) {
            least_[k] = least_[k + 1] + outer_[k].stride * outer_[k].low;
            most_[k] = most_[k + 1] + outer_[k].stride * outer_[k].high;
        }
    }

    Overlap find(int64_t lower, int64_t upper) { return outer(0, 0, lower, upper); }

private:
    Overlap outer(size_t k, int64_t value, int64_t lower, int64_t upper) {
        if (k == outer_.size()) return leaves(lower - value, upper - value);
        const Term& t = outer_[k];
        // stride * c must lie in (lower - value - most[k + 1], upper - value - least[k + 1])
        const int64_t first = std::max(t.low, floor_div(lower - value - most_[k + 1], t.stride) + 1);
        const int64_t last = std::min(t.high, ceil_div(upper - value - least_[k + 1], t.stride) - 1);
        for (int64_t c = first; c <= last; ++c) {
            if (--budget_ < 0) return Overlap::kUndecided;
            const Overlap found = outer(k + 1, value + t.stride * c, lower, upper);
            if (found != Overlap::kDisjoint) return found;
        }
        return Overlap::kDisjoint;
    }

    // The leaf terms' sum in (lower, upper), exclusive.
    Overlap leaves(int64_t lower, int64_t upper) {
        if (leaf_.empty()) return lower < 0 && 0 < upper ? Overlap::kShared : Overlap::kDisjoint;
        const Term& x = leaf_.back();
        if (leaf_.size() == 1) {
            return std::max(x.low, floor_div(lower, x.stride) + 1) <= std::min(x.high, ceil_div(upper, x.stride) - 1)
                       ? Overlap::kShared
                       : Overlap::kDisjoint;
        }
        const Term& y = leaf_.front();
        // every sum is a multiple of g: try each multiple m * g in the window, unless the window holds more of them
        // than y (the narrower leaf) has values, then each y (and the interval of x it leaves)
        const int64_t g = std::gcd(x.stride, y.stride);
        const int64_t m_first = floor_div(lower, g) + 1, m_last = ceil_div(upper, g) - 1;
        if (m_last < m_first) return Overlap::kDisjoint;
        if (m_last - m_first > y.high - y.low) {  // y: the leaf of narrower range
            for (int64_t c = y.low; c <= y.high; ++c) {
                if (--budget_ < 0) return Overlap::kUndecided;
                const int64_t rest_lower = lower - y.stride * c, rest_upper = upper - y.stride * c;
                if (std::max(x.low, floor_div(rest_lower, x.stride) + 1) <= std::min(x.high, ceil_div(rest_upper, x.stride) - 1))
                    return Overlap::kShared;
            }
            return Overlap::kDisjoint;
        }
        // x.stride * cx + y.stride * cy = m * g has the solutions cx = cx0 + ys * k, cy = cy0 - xs * k (xs, ys the
        // strides over g, coprime): from the least cx in x's range, how far k may go with cy in y's range
        const int64_t xs = x.stride / g, ys = y.stride / g, inverse = inverse_mod(xs, ys);
        for (int64_t m = m_first; m <= m_last; ++m) {
            if (--budget_ < 0) return Overlap::kUndecided;
            const int64_t cx0 = mul_mod(((m % ys) + ys) % ys, inverse, ys);  // xs * cx0 == m (mod ys)
            const int64_t cx = x.low + (((cx0 - x.low) % ys) + ys) % ys;
            if (cx > x.high) continue;
            const int64_t cy = (m - xs * cx) / ys;  // exact; |xs * cx| is within x's span
            const int64_t k_low = std::max<int64_t>(0, ceil_div(cy - y.high, xs));
            const int64_t k_high = std::min(floor_div(x.high - cx, ys), floor_div(cy - y.low, xs));
            if (k_low <= k_high) return Overlap::kShared;
        }
        return Overlap::kDisjoint;
    }

    std::vector<Term> outer_, leaf_;
    std::vector<int64_t> least_, most_;  // least_[k], most_[k]: the range of the terms from outer k on, leaves included
    int64_t budget_;
};

}  // namespace

Overlap overlap(const ByteLayout& a, const ByteLayout& b, int64_t budget) {
    const auto span_a = byte_span(a), span_b = byte_span(b);
    if (span_a.second <= span_b.first || span_b.second <= span_a.first) return Overlap::kDisjoint;

    std::vector<Term> terms;
    auto add = [&](int64_t stride, int64_t low, int64_t high) {
        if (stride == 0 || low == high) return;
        if (stride < 0) {
            stride = -stride;
            std::swap(low, high);
            low = -low;
            high = -high;
        }
        for (Term& t : terms) {
            if (t.stride == stride) {
                t.low += low;
                t.high += high;
                return;
            }
        }
        terms.push_back({stride, low, high});
    };
    for (const auto& dim : a.dims) add(dim.first, 0, dim.second - 1);
    for (const auto& dim : b.dims) add(dim.first, -(dim.second - 1), 0);

    // The spans meet, so the bases are less than both spans apart (< 2^57 bytes): a - b as a signed difference.
    const int64_t offset = static_cast<int64_t>(a.base - b.base);
    const int64_t lower = -a.element_bytes - offset, upper = b.element_bytes - offset;  // sum stride * c in (lower, upper)

    // Every reachable sum is a multiple of the strides' gcd: none strictly between lower and upper, no overlap.
    int64_t gcd = 0;
    for (const Term& t : terms) gcd = std::gcd(gcd, t.stride);
    if (gcd > 0 && (floor_div(lower, gcd) + 1) * gcd >= upper) return Overlap::kDisjoint;

    return Search(std::move(terms), upper - lower, budget).find(lower, upper);
}

}  // namespace fr
