// Every action name the audit log records, in one catalogue. Auditors and `kinvault audit list` filter on
// these names, so they are part of the product's interface: add new ones here, never type one at a call site.
// Build events with designated initialisers:
//   m_audit.append({.actor = who.user_id, .action = audit_action::roi_revoke, .object = roi.id, ...}, req);
#pragma once

namespace kinvault::services::audit_action {

// Accounts, sessions, invitations.
inline constexpr const char* account_create = "account.create";
inline constexpr const char* session_open = "session.open";
inline constexpr const char* session_close = "session.close";
inline constexpr const char* login_failure = "login.failure";
inline constexpr const char* reauth_failure = "reauth.failure";
inline constexpr const char* totp_enrol = "totp.enrol";
inline constexpr const char* invitation_accept = "invitation.accept";

// The vault and the daemon.
inline constexpr const char* vault_init = "vault.init";
inline constexpr const char* daemon_start = "daemon.start";
inline constexpr const char* daemon_stop = "daemon.stop";
inline constexpr const char* audit_read = "audit.read";

// Cases and parties.
inline constexpr const char* case_create = "case.create";
inline constexpr const char* case_read = "case.read";
inline constexpr const char* party_list = "party.list";
inline constexpr const char* party_invite = "party.invite";
inline constexpr const char* party_reinvite = "party.reinvite";
inline constexpr const char* party_consent_facts = "party.consent-facts";

// Documents.
inline constexpr const char* document_upload = "document.upload";
inline constexpr const char* document_version = "document.version";
inline constexpr const char* document_read = "document.read";
inline constexpr const char* document_list = "document.list";
inline constexpr const char* document_metadata = "document.metadata";
inline constexpr const char* document_classify = "document.classify";
inline constexpr const char* document_integrity = "document.integrity";

// E-signing.
inline constexpr const char* envelope_create = "envelope.create";
inline constexpr const char* envelope_send = "envelope.send";
inline constexpr const char* envelope_view = "envelope.view";
inline constexpr const char* envelope_sign = "envelope.sign";
inline constexpr const char* envelope_decline = "envelope.decline";
inline constexpr const char* envelope_void = "envelope.void";
inline constexpr const char* envelope_expire = "envelope.expire";
inline constexpr const char* envelope_remind = "envelope.remind";
inline constexpr const char* envelope_complete = "envelope.complete";
inline constexpr const char* envelope_prepare_external = "envelope.prepare-external";
inline constexpr const char* esign_consent = "esign.consent";
inline constexpr const char* esign_withdraw = "esign.withdraw";

// Consent: ROIs, court orders, letters, facts, reports.
inline constexpr const char* roi_create = "roi.create";
inline constexpr const char* roi_update = "roi.update";
inline constexpr const char* roi_read = "roi.read";
inline constexpr const char* roi_list = "roi.list";
inline constexpr const char* roi_validate = "roi.validate";
inline constexpr const char* roi_signature = "roi.signature";
inline constexpr const char* roi_revoke = "roi.revoke";
inline constexpr const char* roi_suspend = "roi.suspend";
inline constexpr const char* roi_reinstate = "roi.reinstate";
inline constexpr const char* roi_export = "roi.export";
inline constexpr const char* order_add = "order.add";
inline constexpr const char* order_verify = "order.verify";
inline constexpr const char* order_list = "order.list";
inline constexpr const char* letter_create = "letter.create";
inline constexpr const char* letter_list = "letter.list";
inline constexpr const char* letter_submit = "letter.submit";
inline constexpr const char* letter_request_revisions = "letter.request-revisions";
inline constexpr const char* letter_approve = "letter.approve";
inline constexpr const char* letter_release = "letter.release";
inline constexpr const char* agreement_record = "agreement.record";
inline constexpr const char* readiness_read = "readiness.read";
inline constexpr const char* access_explain = "access.explain";
inline constexpr const char* disclosures_read = "disclosures.read";

// Mail.
inline constexpr const char* mail_sent = "mail.sent";
inline constexpr const char* mail_retry = "mail.retry";
inline constexpr const char* mail_failed = "mail.failed";

} // namespace kinvault::services::audit_action
