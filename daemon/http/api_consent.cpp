// Consent routes (issue 3): ROIs, court orders, clarification letters, readiness, explanations, the
// accounting of disclosures, and the facts the clinician records for the release engine. Every id a caller
// may not see answers exactly like an id that does not exist (domain.md rule 11).
#include "http/api.h"
#include "http/exchange.h"

#include "services/consent/codec.h"
#include "services/consent/fhir.h"

#include "json/poco.h"

#include <Poco/JSON/Array.h>

namespace kinvault::http {

namespace {

using Obj = Poco::JSON::Object::Ptr;
using Arr = Poco::JSON::Array::Ptr;

std::string name_in(const services::PartyNames& names, const std::string& id) {
    const auto it = names.find(id);
    return it == names.end() ? id : it->second;
}

// The consent codec writes canonical JSON text; the views here add to it as Poco objects.
Obj object_of(const std::string& json) {
    return json::to_poco(json::parse_value(json, "the consent codec's output").value()).extract<Obj>();
}

template <typename T>
auto view_of(std::string (*encode)(const T&)) {
    return [encode](const T& value) { return object_of(encode(value)); };
}

Obj names_json(const services::PartyNames& names) {
    Obj o = new Poco::JSON::Object();
    for (const auto& [id, n] : names) {
        o->set(id, n);
    }
    return o;
}

Obj roi_json(const services::RoiDetail& d) {
    Obj o = object_of(services::roi_to_json(d.roi));
    o->set("subject_name", name_in(d.names, d.roi.subject));
    // The recipients and signers with names, in the shape the browser pages read.
    Arr recipients = o->getArray("recipients");
    for (std::size_t i = 0; recipients && i < recipients->size(); ++i) {
        Obj r = recipients->getObject(static_cast<unsigned>(i));
        const std::string party = r->getValue<std::string>("party");
        r->set("party_id", party);
        std::string label;
        if (d.roi.recipients[i].kind == domain::RecipientKind::counsel_of_record_for) {
            label = "counsel of record for ";
        } else if (d.roi.recipients[i].kind == domain::RecipientKind::therapist_of) {
            label = "the individual therapist of ";
        }
        label += name_in(d.names, party);
        r->set("name", label);
    }
    Arr signers = new Poco::JSON::Array();
    for (const auto& s : d.roi.signatures) {
        Obj so = object_of(services::signature_to_json(s));
        so->set("party_id", s.signer);
        so->set("name", name_in(d.names, s.signer));
        signers->add(so);
    }
    o->set("signers", signers);
    o->set("in_force", d.in_force);
    if (d.ends_at) {
        o->set("ends_at", format_utc(*d.ends_at));
        o->set("expires_on", format_date(*d.ends_at));
    }
    o->set("authorisation", d.authorisation);
    o->set("valid", d.defects.empty());
    Arr defects = new Poco::JSON::Array();
    for (const auto& x : d.defects) {
        defects->add(object_of(services::defect_to_json(x)));
    }
    o->set("defects", defects);
    if (!d.defects.empty()) {
        o->set("missing", domain::describe_defects(d.defects));
    }
    o->set("names", names_json(d.names));
    return o;
}

Obj order_json(const services::OrderDetail& d) {
    Obj o = object_of(services::order_to_json(d.order));
    o->set("title", d.title);
    o->set("issued_on", format_date(d.order.issued_at));
    o->set("effective_on", format_date(d.order.effective_at));
    o->set("names", names_json(d.names));
    return o;
}

Obj letter_json(const services::LetterDetail& d) {
    Obj o = object_of(services::letter_to_json(d.letter));
    o->set("author_name", name_in(d.names, d.letter.letter.author));
    o->set("child_name", name_in(d.names, d.letter.letter.child));
    o->set("title", "Clarification letter for " + name_in(d.names, d.letter.letter.child));
    return o;
}

template <typename T, typename F>
void send_list(Exchange& ex, const Result<std::vector<T>>& r, F view) {
    if (!r) {
        ex.send_error(r.error());
        return;
    }
    Arr a = new Poco::JSON::Array();
    for (const auto& item : *r) {
        a->add(view(item));
    }
    ex.send_json(200, a);
}

template <typename T, typename F>
void send_one(Exchange& ex, int status, const Result<T>& r, F view) {
    if (!r) {
        ex.send_error(r.error());
        return;
    }
    ex.send_json(status, view(*r));
}

using Kind = json::Value::Kind;

// ROI and court-order bodies go whole to the consent codec (services/consent/codec.h), which names what is
// wrong inside them. Here: the top-level shape, so a wrong kind or a null where the schema requires a value
// is named by path like every other body. An ROI body may be an ROI as read back (the CLI edits that way),
// so keys the ROI view adds are not refused; a court order's keys are exactly the schema's and the record's.
void check_roi_shape(Body& body) {
    auto& o = body.root();
    o.expect_kind("document_id", Kind::string, false);
    o.expect_kind("subject", Kind::string, false);
    o.expect_kind("recipients", Kind::array, false);
    for (const auto* key :
         {"kind", "discloser", "direction", "valid_from", "template_version", "document_sha256"}) {
        o.expect_kind(key, Kind::string);
    }
    for (const auto* key : {"information", "expiry", "statements"}) {
        o.expect_kind(key, Kind::object);
    }
    o.expect_kind("purposes", Kind::array);
    o.expect_kind("decision_subjects", Kind::array);
    o.expect_kind("minor_consented_services", Kind::boolean);
}

void check_order_shape(Body& body) {
    auto& o = body.root();
    for (const auto* key : {"document_id", "issued_at", "effective_at"}) {
        o.expect_kind(key, Kind::string, false);
    }
    for (const auto* key : {"kind", "court", "case_number", "expires_at", "id", "case_id", "document_sha256",
                            "status", "status_changed_at", "verified_by", "verified_at"}) {
        o.expect_kind(key, Kind::string);
    }
    for (const auto* key : {"areas", "supersedes", "custody", "mutual_consent", "restrictions", "protective",
                            "compels", "terms"}) {
        o.expect_kind(key, Kind::array);
    }
}

// A list of agreement allowances, each read by the consent codec; the list itself and each entry's kind
// are checked here.
std::optional<std::vector<domain::AgreementAllowance>> opt_allowances(Body& body, std::string_view key) {
    auto list = body->optional_array(key);
    if (!list) {
        return std::nullopt;
    }
    std::vector<domain::AgreementAllowance> out;
    for (std::size_t i = 0; i < list->size(); ++i) {
        json::Object item = list->object(i);
        if (item.is_object()) {
            out.push_back(services::read_allowance(item));
        }
    }
    return out;
}

// A date or time in a body: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ.
std::optional<UnixTime> opt_time(Body& body, std::string_view key) {
    const auto text = body->optional_string(key);
    if (!text || text->empty()) {
        return std::nullopt;
    }
    UnixTime t = 0;
    if (!parse_utc(*text, t)) {
        body.problems().add(std::string(key), "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
        return std::nullopt;
    }
    return t;
}

} // namespace

void Api::add_consent_routes() {
    // ---------------------------------------------------------------------------------------------- ROIs
    m_router.add("GET", "/api/v1/cases/{case}/rois", [this](Exchange& ex) {
        send_list(ex, m_s.rois.list_rois(ex.who(), ex.param("case"), ex.info()), roi_json);
    });
    m_router.add("POST", "/api/v1/cases/{case}/rois", [this](Exchange& ex) {
        auto body = ex.body(json::Keys::any);
        if (!body) {
            return;
        }
        check_roi_shape(*body);
        if (!ex.body_ok(*body)) {
            return;
        }
        auto roi = services::read_roi((*body).root());
        if (!ex.body_ok(*body)) {
            return;
        }
        auto created = m_s.rois.create_roi(ex.who(), ex.param("case"), std::move(roi), ex.info());
        if (created) {
            ex.response.set("Location", "/api/v1/rois/" + created->roi.id);
        }
        send_one(ex, 201, created, roi_json);
    });
    m_router.add("GET", "/api/v1/rois/{roi}", [this](Exchange& ex) {
        send_one(ex, 200, m_s.rois.show_roi(ex.who(), ex.param("roi"), ex.info()), roi_json);
    });
    m_router.add("PUT", "/api/v1/rois/{roi}", [this](Exchange& ex) {
        auto body = ex.body(json::Keys::any);
        if (!body) {
            return;
        }
        check_roi_shape(*body);
        if (!ex.body_ok(*body)) {
            return;
        }
        auto roi = services::read_roi((*body).root());
        if (!ex.body_ok(*body)) {
            return;
        }
        send_one(ex, 200, m_s.rois.update_roi(ex.who(), ex.param("roi"), std::move(roi), ex.info()),
                 roi_json);
    });
    m_router.add("POST", "/api/v1/rois/{roi}/validate", [this](Exchange& ex) {
        send_one(ex, 200, m_s.rois.validate_roi(ex.who(), ex.param("roi"), ex.info()), roi_json);
    });
    m_router.add("POST", "/api/v1/rois/{roi}/record-signature", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        {
            services::SignatureInput in;
            in.signer = body->required_string("signer");
            const std::string capacity = body->string_or("capacity", "self");
            in.authority = body->string_or("authority", "");
            in.evidence = body->string_or("evidence", "");
            in.signed_at = opt_time(*body, "signed_at");
            if (!ex.body_ok(*body)) {
                return;
            }
            const auto parsed = domain::parse_signer_capacity(services::normalise_name(capacity));
            if (in.signer.empty() || !parsed) {
                ex.send_error(Errc::invalid_input,
                              "record-signature needs signer (a party id) and capacity (self, "
                              "parent-legal-custody, guardian or minor-self)");
                return;
            }
            in.capacity = *parsed;
            send_one(ex, 200, m_s.roi_lifecycle.record_signature(ex.who(), ex.param("roi"), in, ex.info()),
                     roi_json);
        }
    });
    m_router.add("POST", "/api/v1/rois/{roi}/revoke", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        services::RevokeInput in;
        if (auto r = body->optional_string("recipient"); r && !r->empty()) {
            in.recipient = std::move(*r);
        }
        if (auto b = body->optional_string("by"); b && !b->empty()) {
            in.by = std::move(*b);
        }
        if (!ex.body_ok(*body)) {
            return;
        }
        send_one(ex, 200, m_s.roi_lifecycle.revoke_roi(ex.who(), ex.param("roi"), in, ex.info()), roi_json);
    });
    m_router.add("POST", "/api/v1/rois/{roi}/reinstate", [this](Exchange& ex) {
        send_one(ex, 200, m_s.roi_lifecycle.reinstate_roi(ex.who(), ex.param("roi"), ex.info()), roi_json);
    });
    m_router.add("GET", "/api/v1/rois/{roi}/fhir", [this](Exchange& ex) {
        auto d = m_s.rois.export_roi(ex.who(), ex.param("roi"), ex.info());
        if (!d) {
            ex.send_error(d.error());
            return;
        }
        const std::string text = json::write_poco(services::roi_to_fhir(*d));
        ex.response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
        ex.response.setContentType("application/fhir+json; fhirVersion=5.0");
        ex.response.setContentLength64(static_cast<Poco::Int64>(text.size()));
        ex.response.sendBuffer(text.data(), text.size());
        ex.mark_sent();
    });

    // -------------------------------------------------------------------------------------- court orders
    m_router.add("GET", "/api/v1/cases/{case}/orders", [this](Exchange& ex) {
        send_list(ex, m_s.orders.list_orders(ex.who(), ex.param("case"), ex.info()), order_json);
    });
    m_router.add("POST", "/api/v1/cases/{case}/orders", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        {
            check_order_shape(*body);
            const auto terms = body->optional_strings("terms").value_or(std::vector<std::string>{});
            if (!ex.body_ok(*body)) {
                return;
            }
            auto order = services::read_order((*body).root());
            if (!ex.body_ok(*body)) {
                return;
            }
            send_one(ex, 201,
                     m_s.orders.add_order(ex.who(), ex.param("case"), std::move(order), terms, ex.info()),
                     order_json);
        }
    });
    m_router.add("POST", "/api/v1/orders/{order}/verify", [this](Exchange& ex) {
        send_one(ex, 200, m_s.orders.verify_order(ex.who(), ex.param("order"), ex.info()), order_json);
    });

    // ------------------------------------------------------------------------------------------- letters
    m_router.add("GET", "/api/v1/cases/{case}/letters", [this](Exchange& ex) {
        send_list(ex, m_s.letters.list_letters(ex.who(), ex.param("case"), ex.info()), letter_json);
    });
    m_router.add("POST", "/api/v1/cases/{case}/letters", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        (void)body->required_string("document_id");
        (void)body->required_string("child");
        if (!ex.body_ok(*body)) {
            return;
        }
        send_one(ex, 201,
                 m_s.letters.create_letter(ex.who(), ex.param("case"), get_string(body, "document_id"),
                                           get_string(body, "child"), ex.info()),
                 letter_json);
    });
    // One route per letter action, spelled out so the route list (and docs/openapi.yaml's check) sees each.
    m_router.add("POST", "/api/v1/letters/{letter}/submit", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body || !ex.body_ok(*body)) {
            return;
        }
        send_one(ex, 200,
                 m_s.letters.letter_action(ex.who(), ex.param("letter"), services::LetterAction::submit, "",
                                           {}, ex.info()),
                 letter_json);
    });
    m_router.add("POST", "/api/v1/letters/{letter}/request-revisions", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        (void)body->optional_string("note");
        if (!ex.body_ok(*body)) {
            return;
        }
        send_one(ex, 200,
                 m_s.letters.letter_action(ex.who(), ex.param("letter"),
                                           services::LetterAction::request_revisions,
                                           get_string(body, "note"), {}, ex.info()),
                 letter_json);
    });
    m_router.add("POST", "/api/v1/letters/{letter}/approve", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body || !ex.body_ok(*body)) {
            return;
        }
        send_one(ex, 200,
                 m_s.letters.letter_action(ex.who(), ex.param("letter"), services::LetterAction::approve, "",
                                           {}, ex.info()),
                 letter_json);
    });
    m_router.add("POST", "/api/v1/letters/{letter}/release", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        {
            const auto targets = body->optional_strings("targets").value_or(std::vector<std::string>{});
            if (!ex.body_ok(*body)) {
                return;
            }
            send_one(ex, 200,
                     m_s.letters.letter_action(ex.who(), ex.param("letter"), services::LetterAction::release,
                                               "", targets, ex.info()),
                     letter_json);
        }
    });

    // ----------------------------------------------------------------- readiness, explain, disclosures
    m_router.add("GET", "/api/v1/cases/{case}/readiness", [this](Exchange& ex) {
        send_one(ex, 200, m_s.reports.readiness(ex.who(), ex.param("case"), ex.info()),
                 view_of(services::readiness_to_json));
    });
    m_router.add("GET", "/api/v1/documents/{doc}/access", [this](Exchange& ex) {
        const std::string party = ex.query("party");
        auto e = m_s.reports.explain(ex.who(), ex.param("doc"), party, ex.info());
        if (!e) {
            ex.send_error(e.error());
            return;
        }
        Obj o = object_of(services::decision_to_json(e->decision));
        o->set("document_id", e->document_id);
        o->set("party", e->party);
        o->set("party_name", e->party_name);
        ex.send_json(200, o);
    });
    m_router.add("GET", "/api/v1/cases/{case}/disclosures", [this](Exchange& ex) {
        send_list(ex, m_s.reports.disclosures(ex.who(), ex.param("case"), ex.query("party"), ex.info()),
                  [](const services::DisclosureView& v) {
                      Obj o = new Poco::JSON::Object();
                      o->set("id", v.record.id);
                      o->set("document_id", v.record.document_id);
                      o->set("document_type", v.document_type);
                      o->set("document_title", v.document_title);
                      o->set("version", v.record.version);
                      o->set("recipient_party", v.record.recipient_party);
                      o->set("recipient_user", v.record.recipient_user);
                      o->set("recipient_name", v.recipient_name);
                      o->set("at", format_utc(v.record.at));
                      o->set("rule", v.record.rule);
                      o->set("basis", v.record.basis);
                      o->set("purpose", v.record.purpose);
                      return o;
                  });
    });

    // ------------------------------------------------------------- facts the clinician records
    m_router.add("POST", "/api/v1/parties/{party}/consent-facts", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        {
            services::PartyFactsInput in;
            if (auto t = body->optional_string("treats"); t && !t->empty()) {
                in.treats = std::move(*t);
            }
            in.minor_consented_treatment = body->optional_bool("minor_consented_treatment");
            if (auto s = body->optional_string("substituted_by"); s && !s->empty()) {
                in.substituted_by = std::move(*s);
            }
            if (!ex.body_ok(*body)) {
                return;
            }
            send_one(ex, 200, m_s.case_facts.set_party_facts(ex.who(), ex.param("party"), in, ex.info()),
                     view_of(services::party_facts_to_json));
        }
    });
    m_router.add("POST", "/api/v1/documents/{doc}/classification", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        {
            services::ClassificationInput in;
            in.subjects = body->optional_strings("subjects");
            in.contact_details_of = body->optional_strings("contact_details_of");
            in.sensitivity = body->optional_strings("sensitivity");
            if (body->has("category")) {
                in.category = body->string_or("category", "");
            }
            if (!ex.body_ok(*body)) {
                return;
            }
            send_one(ex, 200, m_s.case_facts.classify_document(ex.who(), ex.param("doc"), in, ex.info()),
                     view_of(services::document_facts_to_json));
        }
    });
    m_router.add("POST", "/api/v1/cases/{case}/agreement", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        {
            services::AgreementInput in;
            in.document_id = body->required_string("document_id");
            if (auto m = body->optional_string("mode"); m && !m->empty()) {
                in.mode = domain::parse_process_mode(services::normalise_name(*m));
                if (!in.mode) {
                    body.get()->problems().add("mode", "expected open or closed");
                }
            }
            if (const auto t = opt_time(*body, "effective_from")) {
                in.effective_from = *t;
            }
            in.closed_allowances = opt_allowances(*body, "closed_allowances");
            in.open_allowances = opt_allowances(*body, "open_allowances");
            if (!ex.body_ok(*body)) {
                return;
            }
            send_one(ex, 201, m_s.case_facts.record_agreement(ex.who(), ex.param("case"), in, ex.info()),
                     view_of(services::agreement_to_json));
        }
    });
}

} // namespace kinvault::http
