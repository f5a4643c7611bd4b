// memory_overlap.cpp: see memory_overlap.h.
#include "memory_overlap.h"

#include <algorithm>
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

// One positive stride and the integer range of its coefficient: a's i_k enter as stride * [0, extent - 1], b's j_k
// as stride * [-(extent - 1), 0] (the difference of addresses), equal strides merged by adding their ranges.
struct Term {
    int64_t stride;
    int64_t low, high;
};

struct Search {
    std::vector<Term> terms;            // stride descending
    std::vector<int64_t> least, most;   // least[k], most[k]: the range of sum_{j >= k} stride_j * c_j
    int64_t budget;

    // Is there c_j (j >= k) in range with lower < value + sum stride_j * c_j < upper (both exclusive)?
    Overlap find(size_t k, int64_t value, int64_t lower, int64_t upper) {
        if (k == terms.size()) return lower < value && value < upper ? Overlap::kShared : Overlap::kDisjoint;
        const Term& t = terms[k];
        // stride * c must lie in (lower - value - most[k + 1], upper - value - least[k + 1])
        const int64_t first = std::max(t.low, floor_div(lower - value - most[k + 1], t.stride) + 1);
        const int64_t last = std::min(t.high, -floor_div(-(upper - value - least[k + 1]), t.stride) - 1);
        for (int64_t c = first; c <= last; ++c) {
            if (--budget < 0) return Overlap::kUndecided;
            const Overlap found = find(k + 1, value + t.stride * c, lower, upper);
            if (found != Overlap::kDisjoint) return found;
        }
        return Overlap::kDisjoint;
    }
};

}  // namespace

Overlap overlap(const ByteLayout& a, const ByteLayout& b, int64_t budget) {
    const auto span_a = byte_span(a), span_b = byte_span(b);
    if (span_a.second <= span_b.first || span_b.second <= span_a.first) return Overlap::kDisjoint;

    Search search;
    search.budget = budget;
    auto add = [&](int64_t stride, int64_t low, int64_t high) {
        if (stride == 0 || low == high) return;
        if (stride < 0) {
            stride = -stride;
            std::swap(low, high);
            low = -low;
            high = -high;
        }
        for (Term& t : search.terms) {
            if (t.stride == stride) {
                t.low += low;
                t.high += high;
                return;
            }
        }
        search.terms.push_back({stride, low, high});
    };
    for (const auto& dim : a.dims) add(dim.first, 0, dim.second - 1);
    for (const auto& dim : b.dims) add(dim.first, -(dim.second - 1), 0);
    std::sort(search.terms.begin(), search.terms.end(), [](const Term& x, const Term& y) { return x.stride > y.stride; });

    // The spans meet, so the bases are less than both spans apart (< 2^57 bytes): a - b as a signed difference.
    const int64_t offset = static_cast<int64_t>(a.base - b.base);
    const int64_t lower = -a.element_bytes - offset, upper = b.element_bytes - offset;  // sum stride * c in (lower, upper)

    // Every reachable sum is a multiple of the strides' gcd: none strictly between lower and upper, no overlap.
    int64_t gcd = 0;
    for (const Term& t : search.terms) gcd = std::gcd(gcd, t.stride);
    if (gcd > 0 && (floor_div(lower, gcd) + 1) * gcd >= upper) return Overlap::kDisjoint;

    const size_t n = search.terms.size();
    search.least.assign(n + 1, 0);
    search.most.assign(n + 1, 0);
    for (size_t k = n; k-- > 0;) {
        search.least[k] = search.least[k + 1] + search.terms[k].stride * search.terms[k].low;
        search.most[k] = search.most[k + 1] + search.terms[k].stride * search.terms[k].high;
    }
    return search.find(0, 0, lower, upper);
}

}  // namespace fr
