// A fresh key-file keyring for the barrier tests.
#pragma once

#include "crypto/keyring.h"
#include "crypto/secret.h"

#include <catch2/catch.hpp>

#include <utility>

namespace kinvault::barrier_tests {

inline crypto::Keyring new_keyring() {
    auto created = crypto::Keyring::create(crypto::UnsealMethod::key_file, crypto::Secret::random(32));
    REQUIRE(created);
    return std::move(created->first);
}

} // namespace kinvault::barrier_tests
