// Consent routes (issue 3): ROIs, court orders, clarification letters, readiness, explanations, the
// accounting of disclosures, and the facts the clinician records for the release engine. Every id a caller
// may not see answers exactly like an id that does not exist (domain.md rule 11).
#include "http/api.h"
#include "http/exchange.h"

#include "services/consent/codec.h"
#include "services/consent/fhir.h"

#include <Poco/JSON/Array.h>

#include <sstream>

namespace kinvault::http {

namespace {

using Obj = Poco::JSON::Object::Ptr;
using Arr = Poco::JSON::Array::Ptr;

std::string name_in(const services::PartyNames& names, const std::string& id) {
    const auto it = names.find(id);
    return it == names.end() ? id : it->second;
}

Obj names_json(const services::PartyNames& names) {
    Obj o = new Poco::JSON::Object();
    for (const auto& [id, n] : names) {
        o->set(id, n);
    }
    return o;
}

Obj roi_json(const services::RoiDetail& d) {
    Obj o = services::roi_to_json(d.roi);
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
        Obj so = services::signature_to_json(s);
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
        defects->add(services::defect_to_json(x));
    }
    o->set("defects", defects);
    if (!d.defects.empty()) {
        o->set("missing", domain::describe_defects(d.defects));
    }
    o->set("names", names_json(d.names));
    return o;
}

Obj order_json(const services::OrderDetail& d) {
    Obj o = services::order_to_json(d.order);
    o->set("title", d.title);
    o->set("issued_on", format_date(d.order.issued_at));
    o->set("effective_on", format_date(d.order.effective_at));
    o->set("names", names_json(d.names));
    return o;
}

Obj letter_json(const services::LetterDetail& d) {
    Obj o = services::letter_to_json(d.letter);
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

std::optional<std::vector<std::string>> opt_strings(const Obj& body, const std::string& key) {
    if (!body->has(key) || body->isNull(key)) {
        return std::nullopt;
    }
    std::vector<std::string> out;
    const Arr a = body->getArray(key);
    if (!a) {
        throw Poco::InvalidArgumentException(key + " must be a list of text");
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
        out.push_back(a->getElement<std::string>(static_cast<unsigned>(i)));
    }
    return out;
}

std::optional<std::vector<domain::AgreementAllowance>> opt_allowances(const Obj& body, const std::string& key,
                                                                      std::string& error) {
    if (!body->has(key) || body->isNull(key)) {
        return std::nullopt;
    }
    std::vector<domain::AgreementAllowance> out;
    const Arr a = body->getArray(key);
    if (!a) {
        error = key + " must be a list";
        return std::nullopt;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
        auto x = services::allowance_from_json(a->getObject(static_cast<unsigned>(i)));
        if (!x) {
            error = key + "[" + std::to_string(i) + "]: " + x.error().message;
            return std::nullopt;
        }
        out.push_back(*x);
    }
    return out;
}

// Runs a handler, turning a malformed body (wrong JSON types) into a 400 instead of a 500.
template <typename F>
void guarded(Exchange& ex, F body) {
    try {
        body();
    } catch (const Poco::Exception& e) {
        ex.send_error(Errc::invalid_input, "The request is malformed: " + e.displayText());
    } catch (const std::bad_cast&) {
        ex.send_error(Errc::invalid_input, "The request is malformed: a field has the wrong type.");
    }
}

} // namespace

void Api::add_consent_routes() {
    // ---------------------------------------------------------------------------------------------- ROIs
    m_router.add("GET", "/api/v1/cases/{case}/rois", [this](Exchange& ex) {
        send_list(ex, m_s.rois.list_rois(ex.who(), ex.param("case"), ex.info()), roi_json);
    });
    m_router.add("POST", "/api/v1/cases/{case}/rois", [this](Exchange& ex) {
        auto body = ex.json_body();
        if (!body) {
            return;
        }
        auto roi = services::roi_from_json(body);
        if (!roi) {
            ex.send_error(roi.error());
            return;
        }
        auto created = m_s.rois.create_roi(ex.who(), ex.param("case"), std::move(roi).value(), ex.info());
        if (created) {
            ex.response.set("Location", "/api/v1/rois/" + created->roi.id);
        }
        send_one(ex, 201, created, roi_json);
    });
    m_router.add("GET", "/api/v1/rois/{roi}", [this](Exchange& ex) {
        send_one(ex, 200, m_s.rois.show_roi(ex.who(), ex.param("roi"), ex.info()), roi_json);
    });
    m_router.add("PUT", "/api/v1/rois/{roi}", [this](Exchange& ex) {
        auto body = ex.json_body();
        if (!body) {
            return;
        }
        auto roi = services::roi_from_json(body);
        if (!roi) {
            ex.send_error(roi.error());
            return;
        }
        send_one(ex, 200, m_s.rois.update_roi(ex.who(), ex.param("roi"), std::move(roi).value(), ex.info()),
                 roi_json);
    });
    m_router.add("POST", "/api/v1/rois/{roi}/validate", [this](Exchange& ex) {
        send_one(ex, 200, m_s.rois.validate_roi(ex.who(), ex.param("roi"), ex.info()), roi_json);
    });
    m_router.add("POST", "/api/v1/rois/{roi}/record-signature", [this](Exchange& ex) {
        auto body = ex.json_body();
        if (!body) {
            return;
        }
        guarded(ex, [&] {
            services::SignatureInput in;
            in.signer = get_string(body, "signer");
            const std::string capacity = get_string(body, "capacity", "self");
            const auto parsed = domain::parse_signer_capacity(services::normalise_name(capacity));
            if (in.signer.empty() || !parsed) {
                ex.send_error(Errc::invalid_input,
                              "record-signature needs signer (a party id) and capacity (self, "
                              "parent-legal-custody, guardian or minor-self)");
                return;
            }
            in.capacity = *parsed;
            in.authority = get_string(body, "authority");
            in.evidence = get_string(body, "evidence");
            const std::string signed_at = get_string(body, "signed_at");
            if (!signed_at.empty()) {
                UnixTime t = 0;
                if (!parse_utc(signed_at, t)) {
                    ex.send_error(Errc::invalid_input,
                                  "signed_at must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
                    return;
                }
                in.signed_at = t;
            }
            send_one(ex, 200, m_s.roi_lifecycle.record_signature(ex.who(), ex.param("roi"), in, ex.info()),
                     roi_json);
        });
    });
    m_router.add("POST", "/api/v1/rois/{roi}/revoke", [this](Exchange& ex) {
        auto body = ex.json_body();
        if (!body) {
            return;
        }
        services::RevokeInput in;
        if (const auto r = get_string(body, "recipient"); !r.empty()) {
            in.recipient = r;
        }
        if (const auto b = get_string(body, "by"); !b.empty()) {
            in.by = b;
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
        const std::string text = services::json_text(services::roi_to_fhir(*d));
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
        auto body = ex.json_body();
        if (!body) {
            return;
        }
        guarded(ex, [&] {
            auto order = services::order_from_json(body);
            if (!order) {
                ex.send_error(order.error());
                return;
            }
            const auto terms = opt_strings(body, "terms").value_or(std::vector<std::string>{});
            send_one(
                ex, 201,
                m_s.orders.add_order(ex.who(), ex.param("case"), std::move(order).value(), terms, ex.info()),
                order_json);
        });
    });
    m_router.add("POST", "/api/v1/orders/{order}/verify", [this](Exchange& ex) {
        send_one(ex, 200, m_s.orders.verify_order(ex.who(), ex.param("order"), ex.info()), order_json);
    });

    // ------------------------------------------------------------------------------------------- letters
    m_router.add("GET", "/api/v1/cases/{case}/letters", [this](Exchange& ex) {
        send_list(ex, m_s.letters.list_letters(ex.who(), ex.param("case"), ex.info()), letter_json);
    });
    m_router.add("POST", "/api/v1/cases/{case}/letters", [this](Exchange& ex) {
        auto body = ex.json_body();
        if (!body) {
            return;
        }
        send_one(ex, 201,
                 m_s.letters.create_letter(ex.who(), ex.param("case"), get_string(body, "document_id"),
                                           get_string(body, "child"), ex.info()),
                 letter_json);
    });
    // One route per letter action, spelled out so the route list (and docs/openapi.yaml's check) sees each.
    m_router.add("POST", "/api/v1/letters/{letter}/submit", [this](Exchange& ex) {
        auto body = ex.json_body();
        if (!body) {
            return;
        }
        send_one(ex, 200,
                 m_s.letters.letter_action(ex.who(), ex.param("letter"), services::LetterAction::submit, "",
                                           {}, ex.info()),
                 letter_json);
    });
    m_router.add("POST", "/api/v1/letters/{letter}/request-revisions", [this](Exchange& ex) {
        auto body = ex.json_body();
        if (!body) {
            return;
        }
        send_one(ex, 200,
                 m_s.letters.letter_action(ex.who(), ex.param("letter"),
                                           services::LetterAction::request_revisions,
                                           get_string(body, "note"), {}, ex.info()),
                 letter_json);
    });
    m_router.add("POST", "/api/v1/letters/{letter}/approve", [this](Exchange& ex) {
        auto body = ex.json_body();
        if (!body) {
            return;
        }
        send_one(ex, 200,
                 m_s.letters.letter_action(ex.who(), ex.param("letter"), services::LetterAction::approve, "",
                                           {}, ex.info()),
                 letter_json);
    });
    m_router.add("POST", "/api/v1/letters/{letter}/release", [this](Exchange& ex) {
        auto body = ex.json_body();
        if (!body) {
            return;
        }
        guarded(ex, [&] {
            const auto targets = opt_strings(body, "targets").value_or(std::vector<std::string>{});
            send_one(ex, 200,
                     m_s.letters.letter_action(ex.who(), ex.param("letter"), services::LetterAction::release,
                                               "", targets, ex.info()),
                     letter_json);
        });
    });

    // ----------------------------------------------------------------- readiness, explain, disclosures
    m_router.add("GET", "/api/v1/cases/{case}/readiness", [this](Exchange& ex) {
        send_one(ex, 200, m_s.reports.readiness(ex.who(), ex.param("case"), ex.info()),
                 services::readiness_to_json);
    });
    m_router.add("GET", "/api/v1/documents/{doc}/access", [this](Exchange& ex) {
        const std::string party = ex.query("party");
        auto e = m_s.reports.explain(ex.who(), ex.param("doc"), party, ex.info());
        if (!e) {
            ex.send_error(e.error());
            return;
        }
        Obj o = services::decision_to_json(e->decision);
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
        auto body = ex.json_body();
        if (!body) {
            return;
        }
        guarded(ex, [&] {
            services::PartyFactsInput in;
            if (const auto t = get_string(body, "treats"); !t.empty()) {
                in.treats = t;
            }
            if (body->has("minor_consented_treatment")) {
                in.minor_consented_treatment = body->getValue<bool>("minor_consented_treatment");
            }
            if (const auto s = get_string(body, "substituted_by"); !s.empty()) {
                in.substituted_by = s;
            }
            send_one(ex, 200, m_s.case_facts.set_party_facts(ex.who(), ex.param("party"), in, ex.info()),
                     services::party_facts_to_json);
        });
    });
    m_router.add("POST", "/api/v1/documents/{doc}/classification", [this](Exchange& ex) {
        auto body = ex.json_body();
        if (!body) {
            return;
        }
        guarded(ex, [&] {
            services::ClassificationInput in;
            in.subjects = opt_strings(body, "subjects");
            in.contact_details_of = opt_strings(body, "contact_details_of");
            in.sensitivity = opt_strings(body, "sensitivity");
            if (body->has("category")) {
                in.category = get_string(body, "category");
            }
            send_one(ex, 200, m_s.case_facts.classify_document(ex.who(), ex.param("doc"), in, ex.info()),
                     services::document_facts_to_json);
        });
    });
    m_router.add("POST", "/api/v1/cases/{case}/agreement", [this](Exchange& ex) {
        auto body = ex.json_body();
        if (!body) {
            return;
        }
        guarded(ex, [&] {
            services::AgreementInput in;
            in.document_id = get_string(body, "document_id");
            if (const auto m = get_string(body, "mode"); !m.empty()) {
                in.mode = domain::parse_process_mode(services::normalise_name(m));
                if (!in.mode) {
                    ex.send_error(Errc::invalid_input, "mode must be open or closed");
                    return;
                }
            }
            if (const auto f = get_string(body, "effective_from"); !f.empty()) {
                UnixTime t = 0;
                if (!parse_utc(f, t)) {
                    ex.send_error(Errc::invalid_input,
                                  "effective_from must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
                    return;
                }
                in.effective_from = t;
            }
            std::string error;
            in.closed_allowances = opt_allowances(body, "closed_allowances", error);
            if (error.empty()) {
                in.open_allowances = opt_allowances(body, "open_allowances", error);
            }
            if (!error.empty()) {
                ex.send_error(Errc::invalid_input, error);
                return;
            }
            send_one(ex, 201, m_s.case_facts.record_agreement(ex.who(), ex.param("case"), in, ex.info()),
                     services::agreement_to_json);
        });
    });
}

} // namespace kinvault::http
