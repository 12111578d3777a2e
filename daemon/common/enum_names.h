// One name table per enum: the wire names of its values, looked up both ways. The names are persisted,
// shown and sent, so a table is the one place a value's name is spelled.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace kinvault {

template <typename E, std::size_t N>
using EnumNames = std::array<std::pair<E, std::string_view>, N>;

// The name of `value`, or "unknown" for a value the table does not list (a table is meant to list them all;
// the unit tests check that it does).
template <typename E, std::size_t N>
[[nodiscard]] constexpr std::string_view enum_name(const EnumNames<E, N>& table, E value) {
    for (const auto& [v, name] : table) {
        if (v == value) {
            return name;
        }
    }
    return "unknown";
}

// The value named `text`, or nullopt when no value has that name (exact, case-sensitive match).
template <typename E, std::size_t N>
[[nodiscard]] constexpr std::optional<E> enum_value(const EnumNames<E, N>& table, std::string_view text) {
    for (const auto& [v, name] : table) {
        if (name == text) {
            return v;
        }
    }
    return std::nullopt;
}

} // namespace kinvault
