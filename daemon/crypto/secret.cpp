#include "crypto/secret.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <sodium.h>
#include <utility>
#include <vector>

namespace kinvault::crypto {

namespace {

// Keys, tokens and nonces (64 bytes or fewer) are the secrets made on every request. Each sodium_malloc costs
// an mmap, three mprotects, an madvise and an mlock, and each sodium_free an munmap whose TLB shootdown
// interrupts the other cores: about 0.1 ms per download on a 2-core VM. So small secrets take whole
// sodium_malloc blocks of k_small bytes that are wiped and kept for reuse instead of unmapped. Every block
// keeps what sodium_malloc gives it: its own guard pages, locked memory, no core dumps, a canary. The secret
// sits at the end of its block, so a write past it still faults on the guard page.
constexpr std::size_t k_small = 64;
constexpr std::size_t k_kept_max = 64; // at most 64 idle blocks (4 KiB locked each) are kept

class SmallBlocks {
public:
    std::uint8_t* take() {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (!m_idle.empty()) {
                std::uint8_t* block = m_idle.back();
                m_idle.pop_back();
                return block;
            }
        }
        return static_cast<std::uint8_t*>(sodium_malloc(k_small));
    }

    void give_back(std::uint8_t* block) {
        sodium_memzero(block, k_small);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (m_idle.size() < k_kept_max) {
                m_idle.push_back(block);
                return;
            }
        }
        sodium_free(block);
    }

    std::size_t idle() {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_idle.size();
    }

private:
    std::mutex m_mutex;
    std::vector<std::uint8_t*> m_idle;
};

// Never destroyed: secrets in static storage may be released after every other static is gone.
SmallBlocks& small_blocks() {
    static SmallBlocks* const blocks = new SmallBlocks();
    return *blocks;
}

std::uint8_t* allocate(std::size_t size) {
    if (size <= k_small) {
        std::uint8_t* block = small_blocks().take();
        return block == nullptr ? nullptr : block + (k_small - size);
    }
    return static_cast<std::uint8_t*>(sodium_malloc(size));
}

void release(std::uint8_t* data, std::size_t size) {
    if (size <= k_small) {
        small_blocks().give_back(data - (k_small - size));
    } else {
        sodium_free(data);
    }
}

} // namespace

void ensure_sodium() {
    static const int rc = sodium_init();
    if (rc < 0) {
        std::abort();
    }
}

Secret::Secret(std::size_t size) : m_size(size) {
    ensure_sodium();
    if (size > 0) {
        m_data = allocate(size);
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
        release(m_data, m_size);
    }
}

Secret::Secret(Secret&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)) {}

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        if (m_data != nullptr) {
            release(m_data, m_size);
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

std::size_t Secret::idle_small_blocks() {
    return small_blocks().idle();
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
