// The one type for secret bytes: keys, passphrases, tokens before hashing. Backed by sodium_malloc (guard
// pages, mlock, zeroed on free), move-only, never printable, compared in constant time. Secrets of 64 bytes
// or fewer reuse wiped sodium_malloc blocks (see secret.cpp), so a key rarely costs a system call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kinvault::crypto {

class Secret {
public:
    Secret() = default;
    explicit Secret(std::size_t size);
    Secret(const std::uint8_t* data, std::size_t size);
    ~Secret();
    Secret(Secret&& other) noexcept;
    Secret& operator=(Secret&& other) noexcept;
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;

    static Secret random(std::size_t size);
    static Secret from_view(std::string_view text);

    [[nodiscard]] std::uint8_t* data() noexcept { return m_data; }
    [[nodiscard]] const std::uint8_t* data() const noexcept { return m_data; }
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    [[nodiscard]] bool empty() const noexcept { return m_size == 0; }
    [[nodiscard]] std::string_view view() const noexcept {
        return {reinterpret_cast<const char*>(m_data), m_size};
    }
    [[nodiscard]] Secret clone() const { return Secret(m_data, m_size); }

    // Constant-time equality (sodium_memcmp); sizes are not secret.
    [[nodiscard]] bool equals(const Secret& other) const noexcept;

    // Wiped blocks kept for small secrets (for tests and diagnostics).
    [[nodiscard]] static std::size_t idle_small_blocks();

private:
    std::uint8_t* m_data{nullptr};
    std::size_t m_size{0};
};

// Initialises libsodium once; aborts if the library cannot start (there is no safe way on).
void ensure_sodium();

} // namespace kinvault::crypto
