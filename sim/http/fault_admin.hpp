// Fault admin routes: the HTTP face of a FaultInjector, added to any Router (the cloud's own, or
// a control server's), so a test or a person can inject faults into a running rig:
//   POST   /admin/faults        a rule (docs/faults.md) -> 201 {"id": "f1"}
//   GET    /admin/faults        {"offline": false, "rules": [... with "fired" counts]}
//   DELETE /admin/faults/{id}   204, or 404 when there is no such rule
//   DELETE /admin/faults        204: every rule gone
//   PUT    /admin/offline       {"offline": true, "for_ms": 5000} -> 200 {"offline": true}
// A bad body gets 400 {"error": {"code", "message"}} and changes nothing. Note that a server
// taken offline cannot be reached to bring it back: use for_ms, or serve these routes on a
// server that does not share the injector.
#pragma once

#include <memory>

#include "sim/http/fault_injector.hpp"
#include "sim/http/router.hpp"

namespace hemsrig::http {

void add_fault_admin_routes(Router& router, std::shared_ptr<FaultInjector> faults,
                            RouteAccess access = RouteAccess::Open);

}  // namespace hemsrig::http
