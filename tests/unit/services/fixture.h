// A complete service stack over a real SQLite store in a temporary directory, with a fake clock.
#pragma once

#include "barrier/barrier.h"
#include "crypto/checkpoint.h"
#include "crypto/keyring.h"
#include "pdf/gateway.h"
#include "services/accounts.h"
#include "services/audit.h"
#include "services/cases.h"
#include "services/documents/vault.h"
#include "services/notifier.h"
#include "services/release_gate.h"
#include "storage/blob_store.h"
#include "storage/store.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <unistd.h>

namespace kvunit {

using namespace kinvault;

struct Stack {
    std::string dir;
    FakeClock clock{1'800'000'000};
    std::unique_ptr<crypto::Keyring> keyring;
    std::unique_ptr<barrier::Barrier> barrier;
    std::unique_ptr<storage::Store> store;
    std::unique_ptr<storage::BlobStore> blobs;
    std::unique_ptr<services::AuditLog> audit;
    std::unique_ptr<services::ReleaseGate> gate;
    std::unique_ptr<services::Accounts> accounts;
    std::unique_ptr<services::Notifier> notifier;
    std::unique_ptr<services::Cases> cases;
    std::unique_ptr<pdf::PdfGateway> pdf;
    std::unique_ptr<services::Vault> vault;
    services::RequestInfo req{"192.0.2.7", "unit-test"};

    explicit Stack(services::LoginPolicy logins = {}) {
        char tmpl[] = "/tmp/kv-svc-XXXXXX";
        dir = ::mkdtemp(tmpl);
        auto ring = crypto::Keyring::create(crypto::UnsealMethod::key_file, crypto::Secret::random(32));
        REQUIRE(ring);
        keyring = std::make_unique<crypto::Keyring>(std::move(ring->first));
        barrier = std::make_unique<barrier::Barrier>(*keyring);
        auto s = storage::open_sqlite_store({dir + "/kv.db", 2, 5});
        REQUIRE(s);
        store = std::move(s).value();
        blobs = std::make_unique<storage::BlobStore>(dir + "/blobs");
        REQUIRE(blobs->init());
        audit = std::make_unique<services::AuditLog>(
            *store, clock, crypto::CheckpointSigner::generate("test.local/audit"), "test.local/audit");
        REQUIRE(audit->load());
        gate = std::make_unique<services::ReleaseGate>(*store, *barrier, clock);
        accounts = std::make_unique<services::Accounts>(*store, *barrier, *audit, clock,
                                                        services::SessionPolicy{}, logins);
        notifier = std::make_unique<services::Notifier>(*store, *barrier, clock);
        notifier->set_public_url("https://kinvault.test");
        cases =
            std::make_unique<services::Cases>(*store, *barrier, *audit, *accounts, *gate, *notifier, clock);
        pdf::GatewayConfig gw;
        gw.worker_path = KV_WORKER_PATH;
        pdf = std::make_unique<pdf::PdfGateway>(gw);
        vault = std::make_unique<services::Vault>(*store, *blobs, *barrier, *audit, *gate, *pdf, clock,
                                                  services::VaultLimits{});
    }
    ~Stack() { std::filesystem::remove_all(dir); }

    services::Principal clinician() {
        static const char* pw = "clinician-password-1";
        auto id =
            accounts->create_clinician("dana@example.org", "Dana Reyes", crypto::Secret::from_view(pw), req);
        REQUIRE(id);
        auto s = accounts->login("dana@example.org", crypto::Secret::from_view(pw), "", req);
        REQUIRE(s);
        return s->principal;
    }
};

} // namespace kvunit
