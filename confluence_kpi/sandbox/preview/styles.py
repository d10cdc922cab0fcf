"""The preview's stylesheets, after Confluence's page view: the page around a body, and the
classes the storage-format HTML uses."""

from __future__ import annotations

from typing import Final

PAGE_CSS: Final = """
body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Noto Sans",
Ubuntu,"Helvetica Neue",sans-serif;font-size:14px;line-height:1.714;color:#172B4D;background:#FFF}
a{color:#0052CC;text-decoration:none}a:hover{text-decoration:underline}
header.top{background:#0747A6;color:#FFF;padding:10px 24px;display:flex;gap:16px;
align-items:baseline}
header.top a{color:#FFF;font-weight:600}header.top .note{color:#B3D4FF;font-size:12px}
main{max-width:1200px;margin:0 auto;padding:16px 32px 64px}
.breadcrumb{font-size:12px;color:#5E6C84}.breadcrumb a{color:#5E6C84}
h1.page-title{font-size:28px;font-weight:500;line-height:1.2;margin:8px 0 4px}
.byline{font-size:12px;color:#5E6C84;margin-bottom:6px}
.labels{margin-left:6px}.label{display:inline-block;background:#F4F5F7;color:#42526E;font-size:11px;
line-height:1.6;border-radius:3px;padding:0 6px;margin:0 4px 2px 0}
.page-body{margin-top:20px}
section.space h2{font-size:20px;margin:24px 0 4px}
.space-key{font-size:12px;color:#5E6C84;font-weight:400}
ul.tree{list-style:none;padding-left:20px;margin:2px 0}section.space>ul.tree{padding-left:0}
ul.tree li{margin:2px 0}ul.tree .labels{margin-left:8px}
.empty{color:#5E6C84}
"""


# The classes the storage-format HTML uses, styled after Confluence's page view.
BODY_CSS: Final = """
.page-body h1{font-size:24px;margin:28px 0 8px}.page-body h2{font-size:20px;margin:28px 0 8px}
.page-body h3{font-size:16px;margin:22px 0 6px}.page-body h4,.page-body h5,.page-body h6{
font-size:14px;margin:18px 0 4px}.page-body p{margin:8px 0}
.page-body table{border-collapse:collapse;margin:10px 0}
.page-body th,.page-body td{border:1px solid #C1C7D0;padding:7px 10px;vertical-align:top;
text-align:left}.page-body th{background:#F4F5F7;font-weight:600}
.page-body td p,.page-body th p{margin:0}
.page-body td{font-variant-numeric:tabular-nums}
.status{display:inline-block;border-radius:3px;padding:2px 4px;font-size:11px;font-weight:700;
line-height:1;text-transform:uppercase;white-space:nowrap;vertical-align:middle;max-width:200px;
overflow:hidden;text-overflow:ellipsis}
.panel{display:flex;gap:10px;border-radius:3px;padding:10px 14px;margin:10px 0}
.panel-content{flex:1}.panel-content>p:first-child{margin-top:0}
.panel-content>p:last-child{margin-bottom:0}.panel-title{font-weight:600}
.panel-icon{flex:none;width:16px;height:16px;border-radius:50%;color:#FFF;font-size:11px;
font-weight:700;line-height:16px;text-align:center;margin-top:3px}
.panel-info{background:#DEEBFF}.panel-info .panel-icon{background:#0052CC}
.panel-note{background:#FFFAE6}.panel-note .panel-icon{background:#FF8B00}
.panel-warning{background:#FFEBE6}.panel-warning .panel-icon{background:#DE350B}
.panel-tip{background:#E3FCEF}.panel-tip .panel-icon{background:#00875A}
details.expand{margin:10px 0}details.expand summary{cursor:pointer;color:#0052CC}
details.expand>div{padding:4px 0 0 16px}
.page-properties table{min-width:60%}.page-properties th{width:30%}
table.report{width:100%}
figure.chart{margin:12px 0;padding:8px;border:1px solid #EBECF0;border-radius:3px;
display:inline-block}figure.chart svg{display:block;font-family:inherit}
.mention{color:#0052CC;background:#F4F5F7;border-radius:20px;padding:0 6px}
time.date{background:#F4F5F7;border-radius:3px;padding:1px 5px;white-space:nowrap}
ul.tasks{list-style:none;padding-left:4px}ul.tasks input{margin:0 6px 0 0;vertical-align:-1px}
.code{margin:10px 0;border:1px solid #DFE1E6;border-radius:3px}.code-title{background:#F4F5F7;
padding:4px 10px;font-weight:600;border-bottom:1px solid #DFE1E6}.code pre,.page-body pre{
margin:0;padding:8px 10px;background:#FAFBFC;overflow-x:auto;font-size:12px;
font-family:SFMono-Medium,"SF Mono",Menlo,Consolas,monospace}
.macro-box{display:inline-block;background:#F4F5F7;border:1px solid #DFE1E6;border-radius:3px;
color:#5E6C84;padding:2px 8px;font-size:12px}
.missing-link{color:#BF2600}
"""
