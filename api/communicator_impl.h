// What a public Communicator holds: the runtime's communicator the driver uses.
#pragma once

#include <memory>

#include "modelc/distributed.h"
#include "runtime/distributed/communicator.h"

namespace modelc::api {

struct Communicator::Impl {
  std::unique_ptr<runtime::distributed::Communicator> comm;
};

}  // namespace modelc::api
