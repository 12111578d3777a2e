// The composition root: builds storage -> services -> http from the settings and passes each its
// dependencies explicitly. Both `kinvaultd init` and the server use it.
#pragma once

#include "app/settings.h"
#include "barrier/barrier.h"
#include "common/clock.h"
#include "common/result.h"
#include "crypto/ca.h"
#include "crypto/keyring.h"
#include "http/api.h"
#include "pdf/gateway.h"
#include "services/accounts.h"
#include "services/audit.h"
#include "services/audit_actions.h"
#include "services/cases.h"
#include "services/consent.h"
#include "services/documents/vault.h"
#include "services/mailer.h"
#include "services/notifier.h"
#include "services/release_gate.h"
#include "storage/blob_store.h"
#include "storage/store.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace kinvault::app {

struct Paths {
    std::string data;
    std::string keyring() const { return data + "/keyring"; }
    std::string database() const { return data + "/kinvault.db"; }
    std::string blobs() const { return data + "/blobs"; }
    std::string properties() const { return data + "/kinvault.properties"; }
    std::string root_ca() const { return data + "/practice-root-ca.pem"; }
};

struct InitOptions {
    std::string admin_email;
    std::string admin_name{"Clinician"};
    std::string practice_name{"Kinvault Practice"};
    std::string key_file;               // unseal with this key file (created if missing), else a passphrase
    std::vector<std::string> tls_names; // extra DNS names for the TLS certificate
};

// Creates the data directory, key hierarchy, practice root CA, TLS certificate, audit signing key and the
// first clinician account. Refuses to touch an existing vault.
[[nodiscard]] Status initialise_vault(const Paths& paths, const InitOptions& options,
                                      const crypto::Secret& unseal, const crypto::Secret& admin_password,
                                      const Clock& clock);

class Runtime {
public:
    Runtime(const Settings& settings, const Clock& clock);
    ~Runtime();

    // Unseals and opens everything; removes orphan blobs; rebuilds the audit tree.
    [[nodiscard]] Status open(const crypto::Secret& unseal);

    [[nodiscard]] http::Api& api() { return *m_api; }
    [[nodiscard]] services::Notifier& notifier() { return *m_notifier; }
    [[nodiscard]] services::Signing& signing() { return *m_signing; }
    // Known once the listening port is.
    void set_public_url(const std::string& url);
    // Background work while serving: the mailer (when mail.host is set) and the envelope expiry sweep.
    void start_background();
    void stop_background();
    [[nodiscard]] services::AuditLog& audit() { return *m_audit; }
    [[nodiscard]] const crypto::CertifiedKey& tls() const { return m_tls; }
    [[nodiscard]] const std::string& root_ca_pem() const { return m_root_pem; }
    [[nodiscard]] const services::VaultLimits& limits() const { return m_limits; }
    [[nodiscard]] std::size_t orphans_removed() const { return m_orphans; }
    [[nodiscard]] const Paths& paths() const { return m_paths; }

private:
    const Settings& m_settings;
    const Clock& m_clock;
    Paths m_paths;
    std::unique_ptr<crypto::Keyring> m_keyring;
    std::unique_ptr<barrier::Barrier> m_barrier; // over m_keyring
    std::unique_ptr<storage::Store> m_store;
    std::unique_ptr<storage::BlobStore> m_blobs;
    std::unique_ptr<pdf::PdfGateway> m_pdf;
    std::unique_ptr<services::AuditLog> m_audit;
    std::unique_ptr<services::ReleaseGate> m_gate;
    std::unique_ptr<services::Accounts> m_accounts;
    std::unique_ptr<services::Notifier> m_notifier;
    std::unique_ptr<services::Cases> m_cases;
    std::unique_ptr<services::Vault> m_vault;
    std::unique_ptr<services::Signing> m_signing;
    std::unique_ptr<services::ConsentServices> m_consent;
    std::unique_ptr<services::Mailer> m_mailer;
    std::thread m_sweeper;
    std::mutex m_sweep_mutex;
    std::condition_variable m_sweep_cv;
    bool m_stopping{false};
    std::unique_ptr<http::Api> m_api;
    crypto::CertifiedKey m_tls;
    std::string m_root_pem;
    services::VaultLimits m_limits;
    std::size_t m_orphans{0};
};

// Reads the keyring record of a data directory.
[[nodiscard]] Result<crypto::KeyringRecord> read_keyring(const Paths& paths);

} // namespace kinvault::app
