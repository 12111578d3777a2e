#include "services/cases.h"

#include "crypto/random.h"
#include "domain/party.h"
#include "domain/types.h"
#include "services/audit_actions.h"

#include <set>

namespace kinvault::services {

Cases::Cases(storage::Store& store, const barrier::Barrier& barrier, AuditLog& audit, Accounts& accounts,
             ReleaseGate& gate, Notifier& notifier, const Clock& clock)
    : m_store(store), m_barrier(barrier), m_audit(audit), m_accounts(accounts), m_gate(gate),
      m_notifier(notifier), m_clock(clock) {}

namespace {

Mail invitation_mail(const Notifier& n, const std::string& to, const std::string& name,
                     const std::string& link) {
    // Only what the person needs to act: who invites them, and the link. No case details, no documents.
    return Mail{to, n.practice_name() + " invites you to Kinvault",
                "Hello " + name + ",\n\n" + n.practice_name() +
                    " uses Kinvault to share and sign documents for your family's reunification work.\n"
                    "Open this link to set your password (it works once and expires in 7 days):\n\n" +
                    link + "\n\nIf you did not expect this message, you can ignore it.\n"};
}

} // namespace

Result<std::string> Cases::case_name(const storage::CaseRecord& c) const {
    return m_barrier.open_name(c);
}

CaseView Cases::view_of(const storage::CaseRecord& c, const std::string& name,
                        const std::vector<std::string>& roles) const {
    return CaseView{c.id, name, c.mode, c.status, c.created_at, roles};
}

Result<PartyView> Cases::party_view(const storage::PartyRecord& p, bool with_contact) const {
    std::string name = KV_TRY_VALUE(m_barrier.open_name(p));
    PartyView v;
    v.id = p.id;
    v.case_id = p.case_id;
    v.role = p.role;
    v.name = std::move(name);
    v.represents = p.represents;
    v.status = p.status;
    v.date_of_birth = with_contact ? p.date_of_birth : std::string();
    v.has_account = !p.user_id.empty();
    if (with_contact) {
        v.email = KV_TRY_VALUE(m_barrier.open_email(p));
    }
    return v;
}

Result<CaseView> Cases::create(const Principal& who, const std::string& name, const std::string& mode,
                               const RequestInfo& req) {
    if (!who.is_clinician()) {
        (void)m_audit.append({.actor = who.user_id,
                              .action = audit_action::case_create,
                              .decision = "deny",
                              .reason = "only clinicians open cases"},
                             req);
        return make_error(Errc::forbidden, "Only the practice's clinicians can open cases.");
    }
    if (name.empty() || name.size() > 200) {
        return make_error(Errc::invalid_input, "a case name (1 to 200 characters) is required");
    }
    const auto parsed_mode = domain::parse_process_mode(mode.empty() ? "closed" : mode);
    if (!parsed_mode) {
        return make_error(Errc::invalid_input, "mode must be 'open' or 'closed'");
    }
    storage::CaseRecord c;
    c.id = crypto::random_id("case");
    m_barrier.seal_name(c, name);
    c.mode = std::string(domain::to_string(*parsed_mode));
    c.created_by = who.user_id;
    c.created_at = m_clock.now();

    // The clinician who opens the case is its first party.
    storage::PartyRecord clinician;
    clinician.id = crypto::random_id("pty");
    clinician.case_id = c.id;
    clinician.role = std::string(domain::to_string(domain::Role::clinician));
    m_barrier.seal_name(clinician, who.name);
    m_barrier.seal_email(clinician, who.email);
    clinician.email_index = m_barrier.email_index(Accounts::normalise_email(who.email));
    clinician.user_id = who.user_id;
    clinician.status = std::string(domain::to_string(domain::PartyStatus::active));
    clinician.created_at = c.created_at;

    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_store.insert_case(c));
        KV_TRY(m_store.insert_party(clinician));
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::case_create,
                               .object = c.id,
                               .case_id = c.id,
                               .decision = "ok",
                               .reason = "mode " + c.mode},
                              req);
    }));
    return view_of(c, name, {clinician.role});
}

Result<std::vector<CaseView>> Cases::list(const Principal& who) {
    const auto parties = KV_TRY_VALUE(m_store.parties_of_user(who.user_id));
    std::map<std::string, std::vector<std::string>> roles;
    for (const auto& p : parties) {
        if (domain::parse_party_status(p.status) == domain::PartyStatus::active) {
            roles[p.case_id].push_back(p.role);
        }
    }
    std::vector<CaseView> out;
    for (const auto& [case_id, case_roles] : roles) {
        const auto c = KV_TRY_VALUE(m_store.case_by_id(case_id));
        if (!c.has_value()) {
            continue;
        }
        const std::string name = KV_TRY_VALUE(case_name(*c));
        out.push_back(view_of(*c, name, case_roles));
    }
    std::sort(out.begin(), out.end(), [](const CaseView& a, const CaseView& b) {
        return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
    });
    return out;
}

Result<CaseView> Cases::show(const Principal& who, const std::string& case_id, const RequestInfo& req) {
    const auto access =
        KV_TRY_VALUE(case_access_audited(m_gate, m_audit, who, case_id, audit_action::case_read, req));
    const std::string name = KV_TRY_VALUE(case_name(access.case_record));
    std::vector<std::string> roles;
    for (const auto& p : access.my_parties) {
        roles.push_back(p.role);
    }
    KV_TRY(m_audit.append({.actor = who.user_id,
                           .action = audit_action::case_read,
                           .object = case_id,
                           .case_id = case_id,
                           .decision = "permit",
                           .reason = "party of the case"},
                          req));
    return view_of(access.case_record, name, roles);
}

Result<Invitation> Cases::invite(const Principal& who, const std::string& case_id, const NewParty& np,
                                 const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_gate.case_access(who, case_id));
    if (!access.is_case_clinician) {
        (void)m_audit.append({.actor = who.user_id,
                              .action = audit_action::party_invite,
                              .case_id = case_id,
                              .decision = "deny",
                              .reason = "only the case's clinician invites"},
                             req);
        return make_error(Errc::forbidden, "Only the case's clinician can invite parties.");
    }
    const auto role = domain::parse_role(np.role);
    if (!role) {
        return make_error(
            Errc::invalid_input,
            "role must be one of parent, child, clinician, child-therapist, attorney, minors-counsel, court");
    }
    if (np.name.empty() || np.name.size() > 200) {
        return make_error(Errc::invalid_input, "a name (1 to 200 characters) is required");
    }
    const std::string email = Accounts::normalise_email(np.email);
    KV_TRY(Accounts::check_email(email));
    if (*role == domain::Role::attorney && np.represents.empty()) {
        return make_error(Errc::invalid_input,
                          "an attorney must represent a party of the case (--represents PARTY)");
    }
    if (!np.represents.empty()) {
        const auto rep = KV_TRY_VALUE(m_store.party_by_id(np.represents));
        if (!rep.has_value() || rep->case_id != case_id) {
            return make_error(Errc::invalid_input, "the represented party is not a party of this case");
        }
        if (*role != domain::Role::attorney && *role != domain::Role::minors_counsel) {
            return make_error(Errc::invalid_input, "only attorneys and minor's counsel represent a party");
        }
    }
    if (!np.date_of_birth.empty()) {
        UnixTime dob = 0;
        if (!parse_utc(np.date_of_birth, dob) || np.date_of_birth.size() != 10) {
            return make_error(Errc::invalid_input, "date of birth must be YYYY-MM-DD");
        }
    }
    if (*role == domain::Role::clinician && !np.email.empty()) {
        // Co-clinicians join through a practice account; an invitation only links it.
    }
    storage::PartyRecord p;
    p.id = crypto::random_id("pty");
    p.case_id = case_id;
    p.role = std::string(domain::to_string(*role));
    m_barrier.seal_name(p, np.name);
    m_barrier.seal_email(p, email);
    p.email_index = m_barrier.email_index(email);
    p.represents = np.represents;
    p.status = "invited";
    p.date_of_birth = np.date_of_birth;
    p.created_at = m_clock.now();
    std::string token;
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_store.insert_party(p));
        token = KV_TRY_VALUE(m_accounts.create_invitation(case_id, p.id, who.user_id));
        KV_TRY(m_notifier.queue(
            "invitation", case_id,
            invitation_mail(m_notifier, email, np.name, m_notifier.link("/invite#" + token))));
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::party_invite,
                               .object = p.id,
                               .case_id = case_id,
                               .decision = "ok",
                               .reason = "role " + p.role},
                              req);
    }));
    return Invitation{KV_TRY_VALUE(party_view(p, true)), token, m_notifier.link("/invite#" + token),
                      m_clock.now() + Accounts::k_invitation_seconds};
}

Result<Invitation> Cases::reinvite(const Principal& who, const std::string& party_id,
                                   const RequestInfo& req) {
    const auto found = KV_TRY_VALUE(m_store.party_by_id(party_id));
    if (!found.has_value()) {
        return make_error(Errc::not_found, "No such party.");
    }
    const storage::PartyRecord& p = *found;
    auto access = m_gate.case_access(who, p.case_id);
    if (!access || !access->is_case_clinician) {
        return make_error(Errc::not_found, "No such party.");
    }
    if (!p.user_id.empty()) {
        return make_error(Errc::conflict, "This party has already joined the case.");
    }
    std::string token;
    KV_TRY(m_store.transaction([&]() -> Status {
        // The new link replaces the old ones: a lost link must stop working once a new one is made.
        KV_TRY(m_store.revoke_invitations_of_party(party_id, m_clock.now()));
        token = KV_TRY_VALUE(m_accounts.create_invitation(p.case_id, party_id, who.user_id));
        const PartyView view = KV_TRY_VALUE(party_view(p, true));
        KV_TRY(m_notifier.queue(
            "invitation", p.case_id,
            invitation_mail(m_notifier, view.email, view.name, m_notifier.link("/invite#" + token))));
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::party_reinvite,
                               .object = party_id,
                               .case_id = p.case_id,
                               .decision = "ok",
                               .reason = "new invitation link"},
                              req);
    }));
    return Invitation{KV_TRY_VALUE(party_view(p, true)), token, m_notifier.link("/invite#" + token),
                      m_clock.now() + Accounts::k_invitation_seconds};
}

Result<std::vector<PartyView>> Cases::parties(const Principal& who, const std::string& case_id,
                                              const RequestInfo& req) {
    const auto access =
        KV_TRY_VALUE(case_access_audited(m_gate, m_audit, who, case_id, audit_action::party_list, req));
    KV_TRY(m_audit.append({.actor = who.user_id,
                           .action = audit_action::party_list,
                           .object = case_id,
                           .case_id = case_id,
                           .decision = "permit",
                           .reason = "party of the case"},
                          req));
    const auto rows = KV_TRY_VALUE(m_store.parties_of_case(case_id));
    std::vector<PartyView> out;
    for (const auto& p : rows) {
        // Contact details are for the clinician; other parties see names and roles (a protective order may
        // hide even those, decided by the consent engine).
        const bool mine = p.user_id == who.user_id;
        out.push_back(KV_TRY_VALUE(party_view(p, access.is_case_clinician || mine)));
    }
    return out;
}

} // namespace kinvault::services
