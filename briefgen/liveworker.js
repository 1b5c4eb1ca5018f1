// `briefgen serve`: one event stream shared by every open tab of the site.
var ports = [];
var last = null;
var source = new EventSource("/__briefgen/events");
source.addEventListener("state", function (event) {
  last = event.data;
  ports.forEach(function (port) { port.postMessage(event.data); });
});
onconnect = function (event) {
  var port = event.ports[0];
  ports.push(port);
  if (last !== null) port.postMessage(last);
  port.start();
};
