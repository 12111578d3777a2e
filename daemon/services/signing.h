// Multi-party e-signing (issue 4): templates -> envelopes -> one PAdES signature per signer, each made with
// that signer's own key certified by the practice CA, then a certificate of completion and a final practice
// seal. Every PDF operation runs in the sandboxed worker; keys and CMS stay in this process.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "crypto/ca.h"
#include "crypto/keyring.h"
#include "pdf/gateway.h"
#include "pdf/sign.h"
#include "pdf/stamp.h"
#include "pdf/template.h"
#include "services/accounts.h"
#include "services/audit.h"
#include "services/signing/envelope.h"
#include "services/notifier.h"
#include "services/release_gate.h"
#include "services/documents/vault.h"
#include "storage/store.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kinvault::services {

// The practice's own keys, unsealed at start.
struct PracticeKeys {
    crypto::CertifiedKey root; // the practice root CA (issues signer certificates)
    crypto::CertifiedKey seal; // the practice seal (certificates of completion, final seal)
    std::string practice_name;
};

// ESIGN 15 U.S.C. 7001(c): the consumer disclosure shown before the first signature.
struct Disclosure {
    std::string version;
    std::string text;
};
[[nodiscard]] const Disclosure& current_disclosure();

struct SignerSpec {
    std::string slot;
    std::string party_id;
    std::string capacity;
    std::string authority;
    int group{1};
};

struct FieldSpec { // fields on an uploaded document
    std::string name;
    std::string slot;
    std::string kind; // signature | initials | date | text | checkbox
    int page{0};      // 0-based; -1 = last page
    pdf::Rect rect{};
};

struct EnvelopeRequest {
    std::string case_id;
    std::string title;
    std::string template_name; // from a template ...
    pdf::TemplateValues values;
    std::string document_id; // ... or from a stored document
    std::vector<SignerSpec> signers;
    std::vector<FieldSpec> fields;
    std::int64_t expires_in_days{14};
    std::string roi_id;
    // Values the sender fills in on a stored document: drawn into its page content before any signature
    // (later changes to page content would look like tampering to a strict reader).
    std::vector<pdf::StampItem> stamps;
};

struct SignAct {
    std::string viewed_sha256;
    bool intent{false};
    std::string typed_signature;
    std::string drawn_signature_png; // base64, optional evidence
    std::map<std::string, std::string> fields;
    crypto::Secret password;
    std::string totp;
};

struct ExternalPrepared {
    std::string prepared_id;
    std::string digest_hex;
    std::string field_name;
};

struct TemplateInfo {
    pdf::Template tmpl;
    std::string file;
};

class Signing {
public:
    Signing(storage::Store& store, const crypto::Keyring& keyring, AuditLog& audit, Accounts& accounts,
            ReleaseGate& gate, Vault& vault, Notifier& notifier, pdf::PdfGateway& pdf, const Clock& clock,
            PracticeKeys keys, std::string templates_dir);

    // Templates (read from the directory on every call, so a practice edits them without restarting).
    [[nodiscard]] Result<std::vector<TemplateInfo>> templates() const;
    [[nodiscard]] Result<TemplateInfo> template_named(const std::string& name) const;

    [[nodiscard]] Result<Envelope> create(const Principal& who, EnvelopeRequest request,
                                          const RequestInfo& req);
    [[nodiscard]] Result<Envelope> send(const Principal& who, const std::string& envelope_id,
                                        const RequestInfo& req);
    [[nodiscard]] Result<Envelope> remind(const Principal& who, const std::string& envelope_id,
                                          const RequestInfo& req);
    [[nodiscard]] Result<Envelope> void_envelope(const Principal& who, const std::string& envelope_id,
                                                 const std::string& reason, const RequestInfo& req);
    [[nodiscard]] Result<Envelope> status(const Principal& who, const std::string& envelope_id);
    [[nodiscard]] Result<std::vector<Envelope>> list(const Principal& who, const std::string& case_id);

    // The signer's view: the exact bytes they are asked to sign (records "opened").
    struct Viewed {
        Bytes pdf;
        std::string sha256;
        std::int64_t version{0};
    };
    [[nodiscard]] Result<Viewed> view(const Principal& who, const std::string& envelope_id,
                                      const RequestInfo& req);
    [[nodiscard]] Status consent(const Principal& who, const std::string& envelope_id,
                                 const std::string& version, bool accept, const RequestInfo& req);
    [[nodiscard]] Status withdraw_consent(const Principal& who, const RequestInfo& req);
    [[nodiscard]] Result<Envelope> sign(const Principal& who, const std::string& envelope_id, SignAct act,
                                        const RequestInfo& req);
    [[nodiscard]] Result<Envelope> decline(const Principal& who, const std::string& envelope_id,
                                           const std::string& reason, const RequestInfo& req);

    // Bring your own certificate: the server prepares, the client signs the digest, the server injects.
    [[nodiscard]] Result<ExternalPrepared> prepare_external(const Principal& who,
                                                            const std::string& envelope_id, SignAct act,
                                                            const std::string& certificate_pem,
                                                            const std::vector<std::string>& chain_pem,
                                                            const RequestInfo& req);
    [[nodiscard]] Result<Envelope> complete_external(const Principal& who, const std::string& envelope_id,
                                                     const std::string& prepared_id, const Bytes& cms_der,
                                                     const RequestInfo& req);

    // Marks sent envelopes past their expiry as expired (called periodically and on access).
    [[nodiscard]] Result<int> expire_due(const RequestInfo& req);

    // Called when an envelope completes (consent engine: activate the ROI; agreement: set the process mode).
    using CompletionHook = std::function<Status(const Envelope&, const RequestInfo&)>;
    void on_completed(CompletionHook hook) { m_on_completed = std::move(hook); }

    [[nodiscard]] Result<Envelope> load(const std::string& envelope_id) const;
    // The viewer's signer slot in the envelope, empty when they do not sign it.
    [[nodiscard]] std::string slot_of(const Principal& who, const Envelope& e) const;
    [[nodiscard]] Status save(const Envelope& e);

private:
    struct Pending;
    [[nodiscard]] std::shared_ptr<std::mutex> lock_for(const std::string& envelope_id);
    [[nodiscard]] Result<Envelope> load_for(const Principal& who, const std::string& envelope_id,
                                            bool sender_only);
    [[nodiscard]] Status check_expiry(Envelope& e, const RequestInfo& req);
    [[nodiscard]] Result<std::size_t> my_signer(const Principal& who, const Envelope& e) const;
    [[nodiscard]] Status check_turn(const Envelope& e, std::size_t index) const;
    [[nodiscard]] Status check_act(const Principal& who, const Envelope& e, std::size_t index,
                                   const SignAct& act, const RequestInfo& req);
    [[nodiscard]] Result<crypto::CertifiedKey> signer_key(const Principal& who, const std::string& name);
    [[nodiscard]] Result<pdf::SignatureRequest>
    signature_request(Envelope& e, std::size_t index, const SignAct& act, const std::string& signer_name);
    [[nodiscard]] Result<Envelope> apply_signature(const Principal& who, Envelope e, std::size_t index,
                                                   const Bytes& signed_pdf, const std::string& fingerprint,
                                                   const std::string& mode, const SignAct& act,
                                                   const RequestInfo& req);
    [[nodiscard]] Status complete(Envelope& e, const RequestInfo& req);
    [[nodiscard]] Status notify_group(Envelope& e, int group, const std::string& kind);
    void add_event(Envelope& e, const std::string& type, const std::string& slot, const std::string& actor,
                   const RequestInfo& req, const std::string& auth, const std::string& detail = "");
    [[nodiscard]] Result<Bytes> sign_with(const Bytes& pdf, const pdf::SignatureRequest& request,
                                          const crypto::CertifiedKey& key);
    [[nodiscard]] Result<Bytes> seal_pdf(const Bytes& pdf, const std::string& reason, UnixTime when);

    storage::Store& m_store;
    const crypto::Keyring& m_keyring;
    AuditLog& m_audit;
    Accounts& m_accounts;
    ReleaseGate& m_gate;
    Vault& m_vault;
    Notifier& m_notifier;
    pdf::PdfGateway& m_pdf;
    const Clock& m_clock;
    PracticeKeys m_keys;
    std::string m_templates_dir;
    CompletionHook m_on_completed;
    std::mutex m_locks_mutex;
    std::map<std::string, std::weak_ptr<std::mutex>> m_locks;
    std::mutex m_pending_mutex;
    std::map<std::string, std::shared_ptr<Pending>> m_pending;
};

} // namespace kinvault::services
