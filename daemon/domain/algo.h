// Small helpers shared by the domain sources. Not part of the public API.
#pragma once

#include <algorithm>
#include <vector>

namespace kinvault::domain::detail {

template <typename T, typename U>
[[nodiscard]] bool contains(const std::vector<T>& values, const U& value) {
    return std::find(values.begin(), values.end(), value) != values.end();
}

template <typename T>
[[nodiscard]] bool intersects(const std::vector<T>& a, const std::vector<T>& b) {
    return std::any_of(a.begin(), a.end(), [&b](const T& x) { return contains(b, x); });
}

} // namespace kinvault::domain::detail
