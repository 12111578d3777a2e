#include "services/consent/fhir.h"

#include <algorithm>

#include <Poco/JSON/Array.h>

namespace kinvault::services {

namespace {

using Obj = Poco::JSON::Object::Ptr;
using Arr = Poco::JSON::Array::Ptr;

// Code systems. HL7's where one fits (terminology.hl7.org), Kinvault's own URNs for its vocabularies.
constexpr const char* k_act_reason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
constexpr const char* k_act_code = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
constexpr const char* k_participation = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
constexpr const char* k_consent_action = "http://terminology.hl7.org/CodeSystem/consentaction";
constexpr const char* k_consent_scope = "http://terminology.hl7.org/CodeSystem/consentscope";
constexpr const char* k_doc_type = "urn:kinvault:codesystem:document-type";
constexpr const char* k_category = "urn:kinvault:codesystem:information-category";
constexpr const char* k_party = "urn:kinvault:party";

Obj coding(const std::string& system, const std::string& code, const std::string& display = "") {
    Obj c = new Poco::JSON::Object();
    c->set("system", system);
    c->set("code", code);
    if (!display.empty()) {
        c->set("display", display);
    }
    return c;
}

Obj codeable(const Obj& c) {
    Obj cc = new Poco::JSON::Object();
    Arr codings = new Poco::JSON::Array();
    codings->add(c);
    cc->set("coding", codings);
    return cc;
}

// Parties are referenced logically (Reference.identifier): Kinvault does not host Patient or RelatedPerson
// resources, and an attorney is neither.
Obj party_ref(const RoiDetail& d, const std::string& id) {
    Obj r = new Poco::JSON::Object();
    Obj ident = new Poco::JSON::Object();
    ident->set("system", k_party);
    ident->set("value", id);
    r->set("identifier", ident);
    const auto it = d.names.find(id);
    if (it != d.names.end()) {
        r->set("display", it->second);
    }
    return r;
}

std::string day(UnixTime t) {
    return format_date(t);
}

Obj period(std::optional<UnixTime> start, std::optional<UnixTime> end) {
    Obj p = new Poco::JSON::Object();
    if (start) {
        p->set("start", format_utc(*start));
    }
    if (end) {
        p->set("end", format_utc(*end));
    }
    return p;
}

// FHIR R5 Consent.status: draft | active | inactive | not-done | entered-in-error | unknown.
std::string status_of(domain::RoiState s) {
    switch (s) {
    case domain::RoiState::draft:
    case domain::RoiState::pending_signatures:
        return "draft";
    case domain::RoiState::active:
        return "active";
    case domain::RoiState::expired:
    case domain::RoiState::revoked:
    case domain::RoiState::superseded:
    case domain::RoiState::suspended:
        return "inactive";
    }
    return "unknown";
}

// v3-ActReason purposes of use.
Obj purpose_coding(domain::Purpose p) {
    switch (p) {
    case domain::Purpose::treatment:
        return coding(k_act_reason, "TREAT", "treatment");
    case domain::Purpose::coordination_of_care:
        return coding(k_act_reason, "COC", "coordination of care");
    case domain::Purpose::reunification_therapy:
        return coding(k_act_reason, "TREAT", "treatment (reunification therapy)");
    case domain::Purpose::legal_proceedings:
        return coding(k_act_reason, "HLEGAL", "legal");
    case domain::Purpose::payment:
        return coding(k_act_reason, "HPAYMT", "healthcare payment");
    case domain::Purpose::at_request_of_individual:
        return coding(k_act_reason, "PATRQT", "patient requested");
    }
    return coding(k_act_reason, "HOPERAT");
}

} // namespace

// Long on purpose: it writes one Consent resource top to bottom in the order of the FHIR R5 element table, so
// it reads against the specification; each part is a few plain assignments.
Obj roi_to_fhir(const RoiDetail& d) {
    const domain::Roi& roi = d.roi;
    Obj c = new Poco::JSON::Object();
    c->set("resourceType", "Consent");
    // FHIR R5 2.1.28.0.1 (datatype id): [A-Za-z0-9\-\.]{1,64}. Kinvault ids are a prefix, "_" and base32, so
    // the resource id spells the "_" as "-" (still unique); the identifier keeps the Kinvault id exactly.
    std::string resource_id = roi.id;
    std::replace(resource_id.begin(), resource_id.end(), '_', '-');
    c->set("id", resource_id);
    Arr identifiers = new Poco::JSON::Array();
    Obj ident = new Poco::JSON::Object();
    ident->set("system", "urn:kinvault:roi");
    ident->set("value", roi.id);
    identifiers->add(ident);
    c->set("identifier", identifiers);
    c->set("status", status_of(roi.state));
    Arr category = new Poco::JSON::Array();
    category->add(codeable(coding(k_consent_scope, "patient-privacy", "Privacy Consent")));
    c->set("category", category);
    c->set("subject", party_ref(d, roi.subject));
    c->set("date", day(roi.activated_at.value_or(roi.state_changed_at)));
    c->set("period", period(roi.valid_from ? roi.valid_from : roi.activated_at, d.ends_at));

    Arr grantors = new Poco::JSON::Array();
    for (const auto& s : roi.signatures) {
        grantors->add(party_ref(d, s.signer));
    }
    c->set("grantor", grantors);
    Arr grantees = new Poco::JSON::Array();
    for (const auto& r : roi.recipients) {
        if (r.kind == domain::RecipientKind::party) {
            grantees->add(party_ref(d, r.party));
        }
    }
    c->set("grantee", grantees);
    Arr controller = new Poco::JSON::Array();
    Obj discloser = new Poco::JSON::Object();
    discloser->set("display", roi.discloser);
    controller->add(discloser);
    c->set("controller", controller);

    // The signed PDF is the legal instrument; this resource points at it by id and SHA-256 (FHIR's
    // Attachment.hash is SHA-1, so the SHA-256 travels in an extension instead).
    Arr source = new Poco::JSON::Array();
    Obj attachment = new Poco::JSON::Object();
    attachment->set("contentType", "application/pdf");
    attachment->set("url", "urn:kinvault:document:" + roi.document);
    attachment->set("title", "Release of information " + roi.id + " (template " + roi.template_version + ")");
    source->add(attachment);
    c->set("sourceAttachment", source);
    Arr extensions = new Poco::JSON::Array();
    Obj hash = new Poco::JSON::Object();
    hash->set("url", "urn:kinvault:extension:document-sha256");
    hash->set("valueString", roi.document_sha256);
    extensions->add(hash);
    c->set("extension", extensions);

    Arr regulatory = new Poco::JSON::Array();
    Obj basis = new Poco::JSON::Object();
    basis->set("text", roi.kind == domain::RoiKind::psychotherapy_notes
                           ? "45 CFR 164.508(a)(2) authorization for psychotherapy notes"
                           : "45 CFR 164.508(c) authorization; CA Civil Code 56.11");
    regulatory->add(basis);
    c->set("regulatoryBasis", regulatory);
    c->set("decision", "permit");

    Obj provision = new Poco::JSON::Object();
    provision->set("period", period(roi.valid_from ? roi.valid_from : roi.activated_at, d.ends_at));
    Arr actors = new Poco::JSON::Array();
    for (const auto& r : roi.recipients) {
        Obj actor = new Poco::JSON::Object();
        actor->set("role", codeable(coding(k_participation, "IRCP", "information recipient")));
        Obj ref = party_ref(d, r.party);
        if (r.kind == domain::RecipientKind::counsel_of_record_for) {
            ref->set("display", "counsel of record for " + ref->optValue<std::string>("display", r.party));
        } else if (r.kind == domain::RecipientKind::therapist_of) {
            ref->set("display", "individual therapist of " + ref->optValue<std::string>("display", r.party));
        }
        actor->set("reference", ref);
        actors->add(actor);
    }
    provision->set("actor", actors);
    Arr actions = new Poco::JSON::Array();
    if (domain::covers_outbound(roi.direction)) {
        actions->add(codeable(coding(k_consent_action, "disclose", "Disclose")));
    }
    if (domain::covers_inbound(roi.direction)) {
        actions->add(codeable(coding(k_consent_action, "collect", "Collect")));
    }
    provision->set("action", actions);
    Arr labels = new Poco::JSON::Array();
    if (roi.information.sensitivity.has(domain::Sensitivity::psychotherapy_notes)) {
        labels->add(coding(k_act_code, "PSYTHPN", "psychotherapy note information sensitivity"));
    }
    if (roi.information.sensitivity.has(domain::Sensitivity::substance_use)) {
        labels->add(coding(k_act_code, "ETH", "substance abuse information sensitivity"));
    }
    provision->set("securityLabel", labels);
    Arr purposes = new Poco::JSON::Array();
    for (const auto p : roi.purposes) {
        purposes->add(purpose_coding(p));
    }
    provision->set("purpose", purposes);
    Arr doc_types = new Poco::JSON::Array();
    for (const auto t : roi.information.doc_types) {
        doc_types->add(coding(k_doc_type, std::string(domain::to_string(t))));
    }
    provision->set("documentType", doc_types);
    Arr codes = new Poco::JSON::Array();
    for (const auto cat : roi.information.categories) {
        codes->add(codeable(coding(k_category, std::string(domain::to_string(cat)))));
    }
    provision->set("code", codes);
    if (roi.information.from || roi.information.until) {
        provision->set("dataPeriod", period(roi.information.from, roi.information.until));
    }
    // Per-recipient revocation (rule 7): an exception to the permit for that recipient from its date on.
    Arr exceptions = new Poco::JSON::Array();
    for (const auto& r : roi.recipients) {
        if (!r.revoked_at) {
            continue;
        }
        Obj ex = new Poco::JSON::Object();
        ex->set("period", period(r.revoked_at, std::nullopt));
        Arr ex_actors = new Poco::JSON::Array();
        Obj actor = new Poco::JSON::Object();
        actor->set("role", codeable(coding(k_participation, "IRCP", "information recipient")));
        actor->set("reference", party_ref(d, r.party));
        ex_actors->add(actor);
        ex->set("actor", ex_actors);
        exceptions->add(ex);
    }
    if (exceptions->size() > 0) {
        provision->set("provision", exceptions);
    }
    Arr provisions = new Poco::JSON::Array();
    provisions->add(provision);
    c->set("provision", provisions);
    return c;
}

} // namespace kinvault::services
