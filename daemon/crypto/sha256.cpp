#include "crypto/sha256.h"

#include <botan/hash.h>

namespace kinvault::crypto {

struct Sha256::Impl {
    std::unique_ptr<Botan::HashFunction> hash = Botan::HashFunction::create_or_throw("SHA-256");
};

Sha256::Sha256() : m_impl(std::make_unique<Impl>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const std::uint8_t* data, std::size_t size) {
    m_impl->hash->update(data, size);
}

Digest Sha256::finish() {
    Digest out{};
    m_impl->hash->final(out.data());
    return out;
}

Digest sha256(const std::uint8_t* data, std::size_t size) {
    // One hash object per thread: creating one looks it up in Botan's registry and allocates, which costs
    // more than hashing a token or an audit entry. final() leaves it ready for the next message.
    thread_local const std::unique_ptr<Botan::HashFunction> hash =
        Botan::HashFunction::create_or_throw("SHA-256");
    Digest out{};
    hash->update(data, size);
    hash->final(out.data());
    return out;
}

Digest sha256(std::string_view text) {
    return sha256(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

} // namespace kinvault::crypto
