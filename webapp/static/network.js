// The interactive family network on the person page (cytoscape.js).
// Click (or tap) a person to show their family too; double-click to open their page.
// The same content is on the page as a list, which is the keyboard and screen
// reader equivalent; this picture is hidden from assistive technology.
/* global cytoscape */

const container = document.getElementById("network");

function label(node) {
  const year = node.dob ? ` (${node.dob.slice(0, 4)})` : "";
  return `${node.label || ""}${year}`;
}

async function fetchNetwork(personId) {
  const template = container.dataset.networkUrl;
  const response = await fetch(template.replace("__ID__", encodeURIComponent(personId)), {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) {
    return null;
  }
  return response.json();
}

function elements(data) {
  return [
    ...data.nodes.map((node) => ({ group: "nodes", data: { ...node, display: label(node) } })),
    ...data.edges.map((edge) => ({ group: "edges", data: edge })),
  ];
}

async function start() {
  if (!container || typeof cytoscape === "undefined") {
    return;
  }
  const rootId = container.dataset.personId;
  const first = await fetchNetwork(rootId);
  if (!first) {
    container.textContent = "The family network picture could not be loaded.";
    return;
  }
  first.nodes.find((node) => node.id === rootId).label = container.dataset.personName;
  const graph = cytoscape({
    container,
    elements: elements(first),
    style: [
      {
        selector: "node",
        style: {
          label: "data(display)",
          "background-color": "#1d4f6e",
          color: "#0b0c0c",
          "font-size": 12,
          "text-valign": "bottom",
          "text-margin-y": 4,
          width: 22,
          height: 22,
        },
      },
      { selector: `node[id = "${rootId}"]`, style: { "background-color": "#d4351c", width: 30, height: 30 } },
      { selector: "node.expanded", style: { "border-width": 3, "border-color": "#0b0c0c" } },
      {
        selector: "edge",
        style: {
          label: "data(label)",
          "font-size": 10,
          "curve-style": "bezier",
          "target-arrow-shape": "triangle",
          "line-color": "#505a5f",
          "target-arrow-color": "#505a5f",
          "text-background-color": "#ffffff",
          "text-background-opacity": 1,
        },
      },
    ],
    layout: { name: "cose", animate: false },
    maxZoom: 1.5,
    minZoom: 0.2,
  });
  graph.getElementById(rootId).addClass("expanded");
  container.familyNetwork = graph; // for the browser tests, which select people in it

  graph.on("tap", "node", async (event) => {
    const node = event.target;
    if (node.hasClass("expanded")) {
      return;
    }
    const more = await fetchNetwork(node.id());
    node.addClass("expanded");
    if (!more) {
      return;
    }
    const fresh = elements(more).filter((item) => graph.getElementById(item.data.id).empty());
    graph.add(fresh);
    graph.layout({ name: "cose", animate: false }).run();
  });
  graph.on("dbltap", "node", (event) => {
    window.location.href = container.dataset.personUrl.replace("__ID__", encodeURIComponent(event.target.id()));
  });
}

start();
