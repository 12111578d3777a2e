// Result type for likely failures (bad input, I/O, third-party errors). g++ 12 in C++20 mode has no
// std::expected, so Kinvault carries its own small one. Exceptions stay for programming errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kinvault {

// Error codes are transport-neutral; the HTTP layer maps them to statuses in one place (http/errors.cpp).
enum class Errc {
    invalid_input,     // the request is malformed or a field is wrong
    not_found,         // no such object, or the caller may not know it exists (same answer on purpose)
    unauthenticated,   // no valid session or wrong credentials
    second_factor,     // password right, a TOTP code is needed (or was wrong)
    forbidden,         // authenticated but the role may not perform the action (never for object reads)
    conflict,          // state does not allow the action (e.g. already accepted)
    payload_too_large, // upload over the configured limit
    unsupported_media, // not a PDF
    unprocessable,     // a PDF we refuse: malformed, encrypted, too deep, too slow
    integrity,         // stored data failed authentication (tampered, truncated, reordered)
    rate_limited,      // too many attempts
    gone,              // expired invitation or link
    unavailable,       // a dependency (audit log, worker) cannot serve; fail closed
    internal,          // a bug or an unexpected library error
};

[[nodiscard]] const char* errc_name(Errc code) noexcept;
// The code named `name` (as errc_name spells it), or nullopt.
[[nodiscard]] std::optional<Errc> parse_errc(std::string_view name) noexcept;

struct Error {
    Errc code{Errc::internal};
    std::string message;
};

[[nodiscard]] inline Error make_error(Errc code, std::string message) {
    return Error{code, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) {}

    [[nodiscard]] bool ok() const noexcept { return m_state.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    [[nodiscard]] T& value() & { return std::get<0>(m_state); }
    [[nodiscard]] const T& value() const& { return std::get<0>(m_state); }
    [[nodiscard]] T&& value() && { return std::get<0>(std::move(m_state)); }
    // The value by value (moved out): what KV_TRY_VALUE yields, so nothing refers into a dead Result.
    [[nodiscard]] T take() && { return std::get<0>(std::move(m_state)); }
    T* operator->() { return &std::get<0>(m_state); }
    const T* operator->() const { return &std::get<0>(m_state); }
    T& operator*() & { return std::get<0>(m_state); }
    const T& operator*() const& { return std::get<0>(m_state); }

    [[nodiscard]] const Error& error() const& { return std::get<1>(m_state); }
    [[nodiscard]] Error&& error() && { return std::get<1>(std::move(m_state)); }

private:
    std::variant<T, Error> m_state;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_failed(true) {}

    [[nodiscard]] bool ok() const noexcept { return !m_failed; }
    explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] const Error& error() const& { return m_error; }
    [[nodiscard]] Error&& error() && { return std::move(m_error); }

private:
    Error m_error;
    bool m_failed{false};
};

using Status = Result<void>;

} // namespace kinvault

// Propagate an error from an expression returning Result<...>. Each use names its own variable, so a KV_TRY
// inside a lambda inside another KV_TRY's expression does not shadow the outer one.
#define KV_TRY_CONCAT_(a, b) a##b
#define KV_TRY_CONCAT(a, b) KV_TRY_CONCAT_(a, b)
#define KV_TRY(expr) KV_TRY_AS_(expr, KV_TRY_CONCAT(kv_try_result_, __COUNTER__))
#define KV_TRY_AS_(expr, var)                                                                                \
    do {                                                                                                     \
        auto var = (expr);                                                                                   \
        if (!var.ok()) {                                                                                     \
            return std::move(var).error();                                                                   \
        }                                                                                                    \
    } while (false)

// The value of an expression returning Result<T>, or return its error from the enclosing function:
//   auto doc = KV_TRY_VALUE(m_store.document_by_id(id));
// A GCC/Clang statement expression; __extension__ keeps -Wpedantic quiet. The value is moved out, so the
// expression is evaluated once. Not for Result<void> (use KV_TRY).
#define KV_TRY_VALUE(expr) KV_TRY_VALUE_AS_(expr, KV_TRY_CONCAT(kv_try_value_, __COUNTER__))
#define KV_TRY_VALUE_AS_(expr, var)                                                                          \
    __extension__({                                                                                          \
        auto var = (expr);                                                                                   \
        if (!var.ok()) {                                                                                     \
            return std::move(var).error();                                                                   \
        }                                                                                                    \
        std::move(var).take();                                                                               \
    })
