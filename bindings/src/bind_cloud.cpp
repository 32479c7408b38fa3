// hemsrig.Cloud: the mock cloud of the world (devices/cloud) as a test reads
// it: its URL, the mail and SMS it sent (DOMAIN R5, R21, R74) and delivery
// failures to inject. Its events reach World.events with source "cloud".
#include <pybind11/stl.h>

#include "errors.hpp"
#include "handles.hpp"
#include "sim/http/http_client.hpp"

namespace hemsrig::py {

namespace pyb = pybind11;
using namespace pybind11::literals;

namespace {

cloud::MockCloud& cloud_of(CloudRef& c) {
  return *c.world->world().cloud();
}

// One HTTP exchange with the cloud, the engine running until the answer.
pyb::dict request(CloudRef& c, const std::string& method, const std::string& path,
                  const pyb::object& json, const pyb::object& body,
                  const std::optional<std::map<std::string, std::string>>& headers,
                  const pyb::handle& timeout) {
  const std::string base = cloud_of(c).url();
  const std::string url = path.rfind("http", 0) == 0 ? path : base + path;
  std::string text;
  http::Headers h;
  if (!json.is_none()) {
    text = pyb::module_::import("json")
               .attr("dumps")(json, "ensure_ascii"_a = false)
               .cast<std::string>();
    h.emplace_back("Content-Type", "application/json");
  } else if (!body.is_none()) {
    text = body.cast<std::string>();
  }
  if (headers) {
    for (const auto& [k, v] : *headers) h.emplace_back(k, v);
  }
  auto result = std::make_shared<std::optional<Result<http::HttpResponse>>>();
  http::HttpClientOptions options;
  options.ca_pem = c.world->world().cloud_ca_pem();  // a cloud with tls: the rig's test CA
  http::http_request(
      c.world->engine(), method, url, std::move(text), std::move(h),
      [result](Result<http::HttpResponse> r) { *result = std::move(r); }, options);
  c.world->run_until_native([result] { return result->has_value(); }, to_duration(timeout));
  if (!*result) raise_error(make_error("timeout", method + " " + url + ": no answer in time"));
  if (!**result) raise_error((**result).error());
  const http::HttpResponse& r = (**result).value();
  pyb::object parsed = pyb::none();
  const std::string* type = r.header("Content-Type");
  if (type != nullptr && type->find("json") != std::string::npos && !r.body.empty()) {
    parsed = pyb::module_::import("json").attr("loads")(r.body);
  }
  pyb::dict hdrs;
  for (const auto& [k, v] : r.headers) hdrs[pyb::str(k)] = v;
  return pyb::dict("status"_a = r.status, "headers"_a = hdrs, "body"_a = r.body, "json"_a = parsed);
}

}  // namespace

void bind_cloud(pyb::module_& m) {
  pyb::class_<cloud::Mail>(m, "Mail", "A mail the cloud sent")
      .def_readonly("id", &cloud::Mail::id)
      .def_readonly("sender", &cloud::Mail::from)
      .def_readonly("to", &cloud::Mail::to)
      .def_readonly("subject", &cloud::Mail::subject)
      .def_readonly("body", &cloud::Mail::body)
      .def_readonly("links", &cloud::Mail::links)
      .def_property_readonly("sent_at",
                             [](const cloud::Mail& mail) { return sim::to_seconds(mail.sent_at); })
      .def_readonly("delivered", &cloud::Mail::delivered)
      .def_readonly("failure", &cloud::Mail::failure)
      .def("__repr__", [](const cloud::Mail& mail) {
        return "<Mail " + std::to_string(mail.id) + " to " + mail.to + ": " + mail.subject + ">";
      });

  pyb::class_<cloud::Sms>(m, "Sms", "An SMS the cloud sent")
      .def_readonly("id", &cloud::Sms::id)
      .def_readonly("to", &cloud::Sms::to)
      .def_readonly("text", &cloud::Sms::text)
      .def_property_readonly("sent_at",
                             [](const cloud::Sms& sms) { return sim::to_seconds(sms.sent_at); })
      .def_readonly("delivered", &cloud::Sms::delivered)
      .def_readonly("failure", &cloud::Sms::failure);

  pyb::class_<CloudRef>(m, "Cloud", "The world's mock cloud")
      .def_property_readonly("url", [](CloudRef& c) { return cloud_of(c).url(); })
      .def("request", &request, "method"_a, "path"_a, "json"_a = pyb::none(),
           "body"_a = pyb::none(), "headers"_a = pyb::none(), "timeout"_a = 30.0,
           "One HTTP exchange with the cloud's API (docs/cloud-api.md); the simulation runs "
           "until the answer. Returns {status, headers, body, json}.")
      .def(
          "mails",
          [](CloudRef& c, const std::optional<std::string>& to) {
            std::vector<cloud::Mail> out;
            for (const auto* mail : cloud_of(c).outbox().mails(to.value_or(""))) {
              out.push_back(*mail);
            }
            return out;
          },
          "to"_a = pyb::none(), "Every mail sent (to one address), oldest first")
      .def(
          "sms",
          [](CloudRef& c, const std::optional<std::string>& to) {
            std::vector<cloud::Sms> out;
            for (const auto* s : cloud_of(c).outbox().sms(to.value_or(""))) out.push_back(*s);
            return out;
          },
          "to"_a = pyb::none())
      .def(
          "fail_delivery_to",
          [](CloudRef& c, const std::string& recipient) {
            cloud_of(c).outbox().fail_delivery_to(recipient);
          },
          "recipient"_a,
          "DOMAIN R5: mail to this address (or @domain) is filtered and never arrives")
      .def("clear_delivery_failures",
           [](CloudRef& c) { cloud_of(c).outbox().clear_delivery_failures(); })
      .def_property_readonly("events", [](CloudRef& c) {
        std::vector<Event> out;
        for (const auto& e : c.world->events()) {
          if (e.source == "cloud") out.push_back(e);
        }
        return out;
      });
}

}  // namespace hemsrig::py
