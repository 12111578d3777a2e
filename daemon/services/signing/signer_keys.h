// Each signer's own key and certificate, issued by the practice root CA: generated here, wrapped by the key
// hierarchy, reused while valid and in the same name, and only unwrapped inside an authenticated signing act.
#pragma once

#include "barrier/barrier.h"
#include "common/clock.h"
#include "common/result.h"
#include "crypto/ca.h"
#include "services/context.h"
#include "storage/store.h"

#include <string>

namespace kinvault::services {

class SignerKeys {
public:
    SignerKeys(storage::Store& store, const barrier::Barrier& barrier, const Clock& clock,
               crypto::CertifiedKey root, std::string practice_name);

    // The signer's key, certified in `name`; a fresh one when none is valid for another 30 days.
    [[nodiscard]] Result<crypto::CertifiedKey> key_for(const Principal& who, const std::string& name);

private:
    storage::Store& m_store;
    const barrier::Barrier& m_barrier;
    const Clock& m_clock;
    crypto::CertifiedKey m_root; // the practice root CA
    std::string m_practice_name;
};

} // namespace kinvault::services
