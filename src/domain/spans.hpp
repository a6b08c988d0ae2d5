// Time spans and their union, shared by the attendance computations.
#pragma once

#include <livecourse/clock.hpp>

#include <algorithm>
#include <vector>

namespace livecourse::domain {

struct Span {
    Instant from, to;
};

// Sorts and merges overlapping or touching spans: their union, in order.
inline std::vector<Span> merge(std::vector<Span> spans) {
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.from < b.from; });
    std::vector<Span> out;
    for (const auto& s : spans) {
        if (!out.empty() && s.from <= out.back().to)
            out.back().to = std::max(out.back().to, s.to);
        else
            out.push_back(s);
    }
    return out;
}

}  // namespace livecourse::domain
