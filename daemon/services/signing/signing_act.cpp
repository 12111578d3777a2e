#include "services/signing/signing_act.h"

#include "common/utf8.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "services/audit_actions.h"
#include "json/writer.h"

#include <algorithm>
#include <sstream>

namespace kinvault::services {

namespace {

std::string auth_words(const std::string& method) {
    return method == "password+totp" ? "password + authenticator code (TOTP)" : "password";
}

// Initials of the adopted signature, e.g. "Zoë O'Brien-Núñez" -> "ZO".
std::string initials_of(const std::string& typed_signature) {
    std::string value;
    std::istringstream words(typed_signature);
    std::string w;
    while (words >> w) {
        // The first character, however many bytes it takes (a byte that starts no character: that byte).
        std::size_t end = 0;
        if (!utf8::next(w, end)) {
            end = 1;
        }
        value += w.substr(0, end);
    }
    return value;
}

} // namespace

SigningActs::SigningActs(storage::Store& store, AuditLog& audit, Accounts& accounts, Vault& vault,
                         EnvelopeRecords& records, EsignConsents& consents, SignerKeys& keys,
                         PdfSigner& signer, SignerNotices& notices, Completion& completion,
                         const Clock& clock)
    : m_store(store), m_audit(audit), m_accounts(accounts), m_vault(vault), m_records(records),
      m_consents(consents), m_keys(keys), m_signer(signer), m_notices(notices), m_completion(completion),
      m_clock(clock) {}

Result<ViewedDocument> SigningActs::view(const Principal& who, const std::string& envelope_id,
                                         const RequestInfo& req) {
    auto lock = m_records.lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = KV_TRY_VALUE(m_records.load_for(who, envelope_id, false));
    KV_TRY(m_records.check_expiry(e, req));
    if (e.state == EnvelopeState::draft) {
        return make_error(Errc::conflict, "This envelope has not been sent yet.");
    }
    auto bytes = KV_TRY_VALUE(m_vault.read_bytes(e.document_id, e.current_version));
    ViewedDocument v;
    v.sha256 = crypto::to_hex(crypto::sha256(bytes));
    v.version = e.current_version;
    v.pdf = std::move(bytes);
    auto index = m_records.my_signer(who, e);
    KV_TRY(m_store.transaction([&]() -> Status {
        if (index) {
            EnvelopeSigner& s = e.signers[*index];
            if (s.viewed_at == 0) {
                s.viewed_at = m_clock.now();
            }
            if (s.state == SignerState::waiting || s.state == SignerState::notified) {
                s.state = SignerState::viewed;
            }
            m_records.add_event(e, "opened", s.slot, who.user_id, req, who.auth_method, "sha256 " + v.sha256);
            KV_TRY(m_records.save(e));
        }
        json::ObjectWriter d;
        d.field("version", v.version).field("sha256", v.sha256);
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::envelope_view,
                               .object = e.id,
                               .case_id = e.case_id,
                               .decision = "permit",
                               .reason = index ? "signer reviewing the document" : "case clinician",
                               .details = d.str()},
                              req);
    }));
    return v;
}

Status SigningActs::consent(const Principal& who, const std::string& envelope_id, const std::string& version,
                            bool accept, const RequestInfo& req) {
    if (!accept) {
        return make_error(Errc::invalid_input,
                          "Accept the consent to sign electronically, or ask the practice for paper.");
    }
    if (version != current_disclosure().version) {
        return make_error(Errc::conflict, "The consent text has changed; please read the current version.");
    }
    auto lock = m_records.lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = KV_TRY_VALUE(m_records.load_for(who, envelope_id, false));
    const std::size_t index = KV_TRY_VALUE(m_records.my_signer(who, e));
    EnvelopeSigner& s = e.signers[index];
    s.consented_at = m_clock.now();
    s.disclosure_version = version;
    if (s.state == SignerState::viewed || s.state == SignerState::notified ||
        s.state == SignerState::waiting) {
        s.state = SignerState::consented;
    }
    m_records.add_event(e, "consented", s.slot, who.user_id, req, who.auth_method, "disclosure " + version);
    const storage::SealedRecord c = m_consents.acceptance(who, version, req);
    return m_store.transaction([&]() -> Status {
        KV_TRY(m_store.put_record(c));
        KV_TRY(m_records.save(e));
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::esign_consent,
                               .object = e.id,
                               .case_id = e.case_id,
                               .decision = "ok",
                               .reason = "disclosure " + version,
                               .details = ""},
                              req);
    });
}

Status SigningActs::check_turn(const Envelope& e, std::size_t index) const {
    switch (e.state) {
    case EnvelopeState::draft:
        return make_error(Errc::conflict, "This envelope has not been sent yet.");
    case EnvelopeState::completed:
        return make_error(Errc::conflict, "Everyone has signed; this envelope is complete.");
    case EnvelopeState::declined:
        return make_error(Errc::conflict, "This envelope was declined and can no longer be signed.");
    case EnvelopeState::voided:
        return make_error(Errc::conflict,
                          "The practice withdrew (voided) this envelope; it can no longer be signed.");
    case EnvelopeState::expired:
        return make_error(Errc::gone,
                          "This envelope expired before everyone signed; ask the practice to send it again.");
    case EnvelopeState::sent:
        break;
    }
    const EnvelopeSigner& s = e.signers[index];
    if (s.state == SignerState::completed) {
        return make_error(Errc::conflict, "You have already signed this envelope.");
    }
    if (s.state == SignerState::declined) {
        return make_error(Errc::conflict, "You declined this envelope.");
    }
    if (s.group != current_group(e)) {
        return make_error(Errc::conflict, "It is not your turn to sign yet; you will be told when it is.");
    }
    return {};
}

Status SigningActs::check_act(const Principal& who, const Envelope& e, std::size_t index, const SignAct& act,
                              const RequestInfo& req) {
    KV_TRY(check_turn(e, index));
    const EnvelopeSigner& s = e.signers[index];
    if (s.consented_at == 0 || s.disclosure_version != current_disclosure().version) {
        return make_error(Errc::conflict,
                          "Please read and accept the consent to sign electronically before signing.");
    }
    if (!KV_TRY_VALUE(m_consents.standing(who.user_id))) {
        return make_error(Errc::conflict,
                          "You withdrew your consent to sign electronically; accept it again to sign.");
    }
    if (s.viewed_at == 0 || act.viewed_sha256.empty()) {
        return make_error(Errc::conflict, "Please open and review the document before signing.");
    }
    if (std::find(e.signed_version_hashes.begin(), e.signed_version_hashes.end(), act.viewed_sha256) ==
        e.signed_version_hashes.end()) {
        return make_error(Errc::conflict,
                          "The document you reviewed is not the one being signed; please review it again.");
    }
    if (!act.intent) {
        return make_error(Errc::invalid_input, "Please confirm that you intend to sign this document.");
    }
    if (act.typed_signature.empty() || act.typed_signature.size() > 200) {
        return make_error(Errc::invalid_input, "Please type your name to adopt it as your signature.");
    }
    return m_accounts.reauthenticate(who, act.password, act.totp, req);
}

Result<pdf::SignatureRequest> SigningActs::signature_request(Envelope& e, std::size_t index,
                                                             const SignAct& act,
                                                             const std::string& signer_name) {
    const EnvelopeSigner& s = e.signers[index];
    pdf::SignatureRequest r;
    r.signer_name = signer_name;
    r.capacity = capacity_words(s);
    r.reason = "Signed as " + capacity_words(s) + " (" + s.role + ") in Kinvault envelope " + e.id;
    r.signature_id = crypto::random_id("sig");
    r.signing_time = m_clock.now();
    bool found = false;
    for (auto& f : e.fields) {
        if (f.placement.signer != s.slot) {
            continue;
        }
        if (f.placement.kind == pdf::FieldKind::signature) {
            if (!found) {
                r.field_name = "sig_" + s.slot;
                r.page = f.placement.page;
                r.rect = f.placement.rect;
                found = true;
            }
            continue;
        }
        std::string value;
        const auto it = act.fields.find(f.placement.name);
        if (it != act.fields.end()) {
            value = it->second;
        }
        if (f.placement.kind == pdf::FieldKind::date && value.empty()) {
            value = format_date(r.signing_time);
        }
        if (f.placement.kind == pdf::FieldKind::initials && value.empty()) {
            value = initials_of(act.typed_signature);
        }
        if (f.placement.kind == pdf::FieldKind::text && value.empty()) {
            return make_error(Errc::invalid_input, "Please fill in the field " + f.placement.name + ".");
        }
        if (value.size() > 500) {
            return make_error(Errc::invalid_input, "The value of " + f.placement.name + " is too long.");
        }
        f.value = value;
        f.checked = f.placement.kind == pdf::FieldKind::checkbox &&
                    (value == "true" || value == "yes" || value == "1" || value == "on" || value == "x");
        pdf::FieldValue fv;
        fv.placement = f.placement;
        // A '.' separates levels of a PDF field name (ISO 32000-1 §12.7.3.2): our flat names use '_'.
        std::replace(fv.placement.name.begin(), fv.placement.name.end(), '.', '_');
        fv.text = value;
        fv.checked = f.checked;
        r.fields.push_back(fv);
    }
    if (!found) {
        return make_error(Errc::internal, "signer has no signature field");
    }
    return r;
}

Result<Envelope> SigningActs::apply_signature(const Principal& who, Envelope e, std::size_t index,
                                              const Bytes& signed_pdf, const std::string& fingerprint,
                                              const std::string& mode, const SignAct& act,
                                              const RequestInfo& req) {
    EnvelopeSigner& s = e.signers[index];
    s.state = SignerState::completed;
    s.signed_at = m_clock.now();
    s.viewed_sha256 = act.viewed_sha256;
    s.certificate_fingerprint = fingerprint;
    s.signing_mode = mode;
    s.auth_method = auth_words(who.auth_method.find("totp") != std::string::npos || !act.totp.empty()
                                   ? std::string("password+totp")
                                   : std::string("password"));
    s.client_address = req.client_address;
    s.user_agent = req.user_agent.substr(0, 200);
    s.typed_signature = act.typed_signature;
    s.drawn_signature = !act.drawn_signature_png.empty();
    for (const auto& f : e.fields) {
        if (f.placement.signer == s.slot && f.placement.kind != pdf::FieldKind::signature) {
            m_records.add_event(e, "field_filled", s.slot, who.user_id, req, s.auth_method, f.placement.name);
        }
    }
    m_records.add_event(e, "signed", s.slot, who.user_id, req, s.auth_method, "signature " + s.signature_id);
    UploadRequest up;
    up.case_id = e.case_id;
    up.document_id = e.document_id;
    up.title = e.title;
    up.filename = e.title + ".pdf";
    const std::int64_t finished_group = s.group;
    KV_TRY(m_store.transaction([&]() -> Status {
        auto stored = KV_TRY_VALUE(m_vault.store_bytes(who.user_id, up, signed_pdf, s.party_id, req));
        e.current_version = stored.version;
        e.signed_version_hashes.push_back(stored.sha256);
        json::ObjectWriter d;
        d.field("slot", s.slot).field("signature_id", s.signature_id).field("version", stored.version);
        KV_TRY(m_audit.append({.actor = who.user_id,
                               .action = audit_action::envelope_sign,
                               .object = e.id,
                               .case_id = e.case_id,
                               .decision = "ok",
                               .reason = "signed as " + capacity_words(s) + " (" + mode + ")",
                               .details = d.str()},
                              req));
        const int next = current_group(e);
        if (next != 0 && next != finished_group) {
            KV_TRY(m_notices.group(e, next, SigningNotice::request));
        }
        return m_records.save(e);
    }));
    if (current_group(e) == 0) {
        KV_TRY(m_completion.complete(e, req));
    }
    return e;
}

Result<Envelope> SigningActs::sign(const Principal& who, const std::string& envelope_id, SignAct act,
                                   const RequestInfo& req) {
    // Signers of one group may press "sign" at the same moment: each envelope's updates are serialised here,
    // and each signature is an incremental update on top of the previous one, so none invalidates another.
    auto lock = m_records.lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = KV_TRY_VALUE(m_records.load_for(who, envelope_id, false));
    KV_TRY(m_records.check_expiry(e, req));
    const std::size_t index = KV_TRY_VALUE(m_records.my_signer(who, e));
    KV_TRY(check_act(who, e, index, act, req));
    auto bytes = KV_TRY_VALUE(m_vault.read_bytes(e.document_id, e.current_version));
    const std::string signer_name = e.signers[index].name;
    auto key = KV_TRY_VALUE(m_keys.key_for(who, signer_name));
    auto request = KV_TRY_VALUE(signature_request(e, index, act, signer_name));
    e.signers[index].signature_id = request.signature_id;
    e.signers[index].signature_field = request.field_name;
    auto signed_pdf = KV_TRY_VALUE(m_signer.sign_with(bytes, request, key));
    auto fp = crypto::certificate_fingerprint(key.certificate_pem);
    return apply_signature(who, std::move(e), index, signed_pdf, fp ? *fp : std::string(),
                           "practice-issued key", act, req);
}

Result<Envelope> SigningActs::decline(const Principal& who, const std::string& envelope_id,
                                      const std::string& reason, const RequestInfo& req) {
    auto lock = m_records.lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = KV_TRY_VALUE(m_records.load_for(who, envelope_id, false));
    KV_TRY(m_records.check_expiry(e, req));
    const std::size_t index = KV_TRY_VALUE(m_records.my_signer(who, e));
    if (reason.empty() || reason.size() > 2000) {
        return make_error(Errc::invalid_input, "Please say why you are declining (up to 2000 characters).");
    }
    if (e.state != EnvelopeState::sent) {
        KV_TRY(check_turn(e, index));
    }
    EnvelopeSigner& s = e.signers[index];
    if (s.state == SignerState::completed) {
        return make_error(Errc::conflict, "You have already signed this envelope.");
    }
    s.state = SignerState::declined;
    s.decline_reason = reason;
    e.state = EnvelopeState::declined;
    m_records.add_event(e, "declined", s.slot, who.user_id, req, who.auth_method, reason);
    auto sender = m_accounts.user(e.created_by);
    std::string sender_email;
    if (sender) {
        if (auto em = m_accounts.user_email(*sender)) {
            sender_email = *em;
        }
    }
    KV_TRY(m_store.transaction([&]() -> Status {
        if (!sender_email.empty()) {
            KV_TRY(m_notices.declined(e, s, sender_email));
        }
        KV_TRY(m_records.save(e));
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::envelope_decline,
                               .object = e.id,
                               .case_id = e.case_id,
                               .decision = "ok",
                               .reason = "declined by " + s.slot,
                               .details = ""},
                              req);
    }));
    return e;
}

} // namespace kinvault::services
