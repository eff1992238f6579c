/** The stylesheet of the `parallax visualize` page. */
export const pageStyle = `
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body {
  display: flex;
  flex-direction: column;
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1f2933;
  background: #f5f7fa;
}
header {
  display: flex;
  align-items: baseline;
  gap: 16px;
  padding: 10px 16px;
  background: #1f2933;
  color: #f5f7fa;
}
header h1 { margin: 0; font-size: 15px; font-weight: 600; }
header .summary { color: #cbd2d9; }
#notice {
  padding: 8px 16px;
  background: #fff3c4;
  border-bottom: 1px solid #f0d37a;
  color: #5c4813;
}
#notice[hidden] { display: none; }
main { flex: 1; display: flex; min-height: 0; }
#graph { flex: 1; min-width: 0; background: #ffffff; }
aside {
  width: 360px;
  display: flex;
  flex-direction: column;
  gap: 12px;
  padding: 12px;
  overflow-y: auto;
  border-left: 1px solid #d9e2ec;
  background: #f5f7fa;
}
aside h2 {
  margin: 0 0 6px;
  font-size: 11px;
  font-weight: 600;
  letter-spacing: 0.06em;
  text-transform: uppercase;
  color: #616e7c;
}
section.card { background: #ffffff; border: 1px solid #d9e2ec; border-radius: 6px; padding: 10px; }
#search {
  width: 100%;
  padding: 7px 9px;
  border: 1px solid #bcccdc;
  border-radius: 4px;
  font: inherit;
}
#search:focus { outline: 2px solid #4e79a7; border-color: #4e79a7; }
#match-count { margin-top: 6px; color: #616e7c; }
#results { list-style: none; margin: 6px 0 0; padding: 0; max-height: 160px; overflow-y: auto; }
#results li {
  padding: 3px 6px;
  border-radius: 3px;
  cursor: pointer;
  white-space: nowrap;
  overflow: hidden;
  text-overflow: ellipsis;
}
#results li:hover { background: #e4f0fb; }
#legend { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: 1fr 1fr; gap: 4px 8px; }
#legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 50%; flex: none; }
.count { color: #7b8794; margin-left: auto; }
#details .empty { color: #7b8794; }
#details .title { font-size: 14px; font-weight: 600; margin-bottom: 4px; overflow-wrap: anywhere; }
#details .badge {
  display: inline-block;
  padding: 1px 7px;
  border-radius: 10px;
  color: #ffffff;
  font-size: 11px;
  font-weight: 600;
  margin-bottom: 8px;
}
#details table { width: 100%; border-collapse: collapse; margin-bottom: 10px; table-layout: fixed; }
#details th, #details td {
  text-align: left;
  vertical-align: top;
  padding: 3px 4px;
  border-bottom: 1px solid #eef2f7;
  overflow-wrap: anywhere;
}
#details th { width: 38%; color: #616e7c; font-weight: 500; }
#details h3 { margin: 8px 0 4px; font-size: 12px; color: #3e4c59; }
`
