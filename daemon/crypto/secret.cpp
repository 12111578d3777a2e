#include "crypto/secret.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <sodium.h>
#include <utility>

namespace kinvault::crypto {

void ensure_sodium() {
    static const int rc = sodium_init();
    if (rc < 0) {
        std::abort();
    }
}

Secret::Secret(std::size_t size) : m_size(size) {
    ensure_sodium();
    if (size > 0) {
        m_data = static_cast<std::uint8_t*>(sodium_malloc(size));
        if (m_data == nullptr) {
            throw std::bad_alloc();
        }
        sodium_memzero(m_data, size);
    }
}

Secret::Secret(const std::uint8_t* data, std::size_t size) : Secret(size) {
    if (size > 0) {
        std::memcpy(m_data, data, size);
    }
}

Secret::~Secret() {
    if (m_data != nullptr) {
        sodium_free(m_data);
    }
}

Secret::Secret(Secret&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)) {}

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        if (m_data != nullptr) {
            sodium_free(m_data);
        }
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

Secret Secret::random(std::size_t size) {
    Secret s(size);
    randombytes_buf(s.m_data, size);
    return s;
}

Secret Secret::from_view(std::string_view text) {
    return Secret(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

bool Secret::equals(const Secret& other) const noexcept {
    if (m_size != other.m_size) {
        return false;
    }
    if (m_size == 0) {
        return true;
    }
    return sodium_memcmp(m_data, other.m_data, m_size) == 0;
}

} // namespace kinvault::crypto
