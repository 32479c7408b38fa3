// The one translation unit that compiles Boost.Asio (BOOST_ASIO_SEPARATE_COMPILATION):
// keeps every other file's compile time down.
#include <boost/asio/impl/src.hpp>
