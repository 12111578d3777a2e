// A reunification case in a real SQLite store (temporary directory) with the real key ring, audit log,
// release gate and consent service: two parents, a child with an individual therapist, an attorney for each
// parent. Tests drive the consent use cases and the gate the way the API does.
#pragma once

#include "barrier/barrier.h"
#include "common/clock.h"
#include "crypto/checkpoint.h"
#include "crypto/keyring.h"
#include "crypto/random.h"
#include "services/audit.h"
#include "services/consent.h"
#include "services/release_gate.h"
#include "storage/store.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace kvconsent {

using namespace kinvault;

inline UnixTime day(const std::string& date) {
    UnixTime t = 0;
    if (!parse_utc(date, t)) {
        throw std::invalid_argument("bad date " + date);
    }
    return t;
}

class TempDir {
public:
    TempDir() {
        std::string templ = (std::filesystem::temp_directory_path() / "kvconsent-XXXXXX").string();
        if (::mkdtemp(templ.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        m_path = templ;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

template <typename T>
T must(Result<T> r) {
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r.ok());
    return std::move(r).value();
}

inline void must(Status s) {
    INFO((s ? std::string() : s.error().message));
    REQUIRE(s.ok());
}

struct World {
    TempDir dir;
    FakeClock clock{day("2026-03-01")};
    std::unique_ptr<storage::Store> store;
    std::unique_ptr<crypto::Keyring> keyring;
    std::unique_ptr<barrier::Barrier> barrier;
    std::unique_ptr<services::AuditLog> audit;
    std::unique_ptr<services::ReleaseGate> gate;
    std::unique_ptr<services::ConsentServices> consent;
    services::RequestInfo req{"127.0.0.1", "unit-test"};

    World() {
        store = must(storage::open_sqlite_store({dir.path() + "/kinvault.db", 2, 10}));
        auto ring = must(crypto::Keyring::create(crypto::UnsealMethod::key_file, crypto::Secret::random(32)));
        keyring = std::make_unique<crypto::Keyring>(std::move(ring.first));
        barrier = std::make_unique<barrier::Barrier>(*keyring);
        audit = std::make_unique<services::AuditLog>(
            *store, clock,
            crypto::CheckpointSigner::from_seed(crypto::Secret::random(32), "kinvault.test/audit"),
            "kinvault.test/audit");
        must(audit->load());
        gate = std::make_unique<services::ReleaseGate>(*store, *barrier, clock);
        consent = std::make_unique<services::ConsentServices>(*store, *audit, *gate, clock);
    }

    std::string add_user(const std::string& id, domain::AccountKind kind = domain::AccountKind::member) {
        storage::UserRecord u;
        u.id = id;
        u.kind = std::string(domain::to_string(kind));
        u.email_index = keyring->blind_index("email", id + "@example.org");
        u.email_sealed = keyring->seal_field(id + "@example.org", "user:" + id + ":email");
        u.name_sealed = keyring->seal_field(id, "user:" + id + ":name");
        u.created_at = clock.now();
        must(store->insert_user(u));
        return id;
    }

    storage::CaseRecord add_case(const std::string& mode, UnixTime created_at) {
        storage::CaseRecord c;
        c.id = crypto::random_id("case");
        c.name_sealed = keyring->seal_field("Family", "case:" + c.id + ":name");
        c.mode = mode;
        c.created_by = "u-clin";
        c.created_at = created_at;
        must(store->insert_case(c));
        return c;
    }

    storage::PartyRecord add_party(const std::string& case_id, const std::string& role,
                                   const std::string& name, const std::string& user,
                                   const std::string& represents = "", const std::string& dob = "",
                                   const std::string& status = "active") {
        storage::PartyRecord p;
        p.id = crypto::random_id("pty");
        p.case_id = case_id;
        p.role = role;
        p.name_sealed = keyring->seal_field(name, "party:" + p.id + ":name");
        p.email_sealed = keyring->seal_field(name + "@example.org", "party:" + p.id + ":email");
        p.email_index = keyring->blind_index("email", name + "@example.org");
        p.represents = represents;
        p.user_id = user;
        p.status = status;
        p.date_of_birth = dob;
        p.created_at = clock.now();
        must(store->insert_party(p));
        return p;
    }

    storage::DocumentRecord add_document(const std::string& case_id, const std::string& type,
                                         const std::string& user, const std::string& party,
                                         UnixTime created_at) {
        storage::DocumentRecord d;
        d.id = crypto::random_id("doc");
        d.case_id = case_id;
        d.type = type;
        d.created_by = user;
        d.created_by_party = party;
        d.created_at = created_at;
        d.current_version = 1;
        d.state = "stored";
        d.category = type;
        must(store->insert_document(d));
        storage::VersionRecord v;
        v.document_id = d.id;
        v.version = 1;
        v.blob_id = crypto::random_id("blob");
        v.size = 1000;
        v.sha256 = std::string(64, 'b');
        v.pages = 1;
        v.uploaded_by = user;
        v.uploaded_at = created_at;
        v.title_sealed = keyring->seal_field(type + " title", "doc:" + d.id + ":v1:title");
        v.filename_sealed = keyring->seal_field(type + ".pdf", "doc:" + d.id + ":v1:filename");
        v.kek_version = keyring->current_kek_version();
        v.wrapped_key = {1, 2, 3};
        must(store->insert_version(v));
        return d;
    }

    static services::Principal principal(const std::string& user,
                                         domain::AccountKind kind = domain::AccountKind::member) {
        services::Principal p;
        p.user_id = user;
        p.kind = kind;
        p.name = user;
        p.email = user + "@example.org";
        return p;
    }
};

// The family of domain.md: Mary and Frank (joint legal custody by a verified order), Sam (born 2016-04-01),
// Sam's therapist Dr. Lee, Alan (attorney for Frank), Beth (attorney for Mary).
struct Family : World {
    storage::CaseRecord c;
    storage::PartyRecord clinician, mary, frank, sam, lee, alan, beth;
    services::Principal as_clinician = principal("u-clin", domain::AccountKind::clinician);
    services::Principal as_mary = principal("u-mary");
    services::Principal as_frank = principal("u-frank");
    services::Principal as_lee = principal("u-lee");
    services::Principal as_alan = principal("u-alan");
    services::Principal as_beth = principal("u-beth");
    std::string order_id;

    explicit Family(const std::string& mode = "open") {
        add_user("u-clin", domain::AccountKind::clinician);
        c = add_case(mode, day("2025-01-01"));
        clinician = add_party(c.id, "clinician", "Dr. Rivera", "u-clin");
        mary = add_party(c.id, "parent", "Mary", "u-mary");
        frank = add_party(c.id, "parent", "Frank", "u-frank");
        sam = add_party(c.id, "child", "Sam", "", "", "2016-04-01", "invited");
        lee = add_party(c.id, "child-therapist", "Dr. Lee", "u-lee");
        alan = add_party(c.id, "attorney", "Alan", "u-alan", frank.id);
        beth = add_party(c.id, "attorney", "Beth", "u-beth", mary.id);
        services::PartyFactsInput treats;
        treats.treats = sam.id;
        must(consent->case_facts.set_party_facts(as_clinician, lee.id, treats, req));
        order_id = add_order({"custody joint Mary, Frank"}).order.id;
        must(consent->orders.verify_order(as_clinician, order_id, req));
    }

    services::OrderDetail add_order(const std::vector<std::string>& terms, const std::string& number = "FL-1",
                                    const std::string& issued = "2025-05-20",
                                    const std::string& effective = "2025-06-01") {
        const auto doc = add_document(c.id, "court-order", "u-clin", clinician.id, day(issued));
        domain::CourtOrder o;
        o.document = doc.id;
        o.court = "Superior Court";
        o.case_number = number;
        o.issued_at = day(issued);
        o.effective_at = day(effective);
        return must(consent->orders.add_order(as_clinician, c.id, o, terms, req));
    }

    // A complete ROI about Sam for `recipient` covering reports, as a draft.
    domain::Roi roi_draft(const std::string& recipient,
                          domain::RecipientKind kind = domain::RecipientKind::party,
                          domain::Direction direction = domain::Direction::both,
                          std::vector<domain::Purpose> purposes = {domain::Purpose::legal_proceedings,
                                                                   domain::Purpose::coordination_of_care}) {
        const auto doc = add_document(c.id, "roi", "u-clin", clinician.id, clock.now());
        domain::Roi r;
        r.document = doc.id;
        r.subject = sam.id;
        r.recipients.push_back({kind, recipient, std::nullopt, std::nullopt});
        r.information.doc_types = {domain::DocType::report};
        r.information.description = "progress reports";
        r.purposes = std::move(purposes);
        r.direction = direction;
        r.expiry.date = day("2027-01-01");
        r.statements = {true, true, true, true};
        r.template_version = "roi-2025.1";
        return r;
    }

    // Created through the service and signed by `signer` as legal custodian: active.
    services::RoiDetail active_roi(const std::string& recipient,
                                   domain::RecipientKind kind = domain::RecipientKind::party,
                                   domain::Direction direction = domain::Direction::both,
                                   const std::string& signer = "") {
        auto created =
            must(consent->rois.create_roi(as_clinician, c.id, roi_draft(recipient, kind, direction), req));
        services::SignatureInput sig;
        sig.signer = signer.empty() ? mary.id : signer;
        sig.capacity = domain::SignerCapacity::parent_legal_custody;
        sig.authority = order_id;
        return must(consent->roi_lifecycle.record_signature(as_clinician, created.roi.id, sig, req));
    }

    services::AccessDecision decide(const services::Principal& who, const storage::DocumentRecord& d,
                                    services::AccessAction action = services::AccessAction::read) {
        auto access = must(gate->case_access(who, c.id));
        return gate->decide(access, d, action);
    }
};

} // namespace kvconsent
