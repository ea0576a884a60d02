<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>GridCommand</name>
    <message>
        <source> and {} more</source>
        <translation>等{}件</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>签收</translation>
    </message>
    <message>
        <source>Acknowledge (A)</source>
        <translation>签收 (A)</translation>
    </message>
    <message>
        <source>Acknowledge selected case</source>
        <translation>签收选中事件</translation>
    </message>
    <message>
        <source>Assign (Enter)</source>
        <translation>派遣 (Enter)</translation>
    </message>
    <message>
        <source>Assign picked (or best) unit</source>
        <translation>派遣选中（或推荐首位）力量</translation>
    </message>
    <message>
        <source>Assign {} (Enter)</source>
        <translation>派遣 {} (Enter)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Cannot load the command center: {}</source>
        <translation>无法加载指挥中心：{}</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Case {} — {} done</source>
        <translation>事件 {} — {} 已完成</translation>
    </message>
    <message>
        <source>Case {}: {}</source>
        <translation>事件 {}：{}</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Click-to-assign tool</source>
        <translation>点选派遣工具</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>结案</translation>
    </message>
    <message>
        <source>Connect first</source>
        <translation>请先连接</translation>
    </message>
    <message>
        <source>Connect to the command center</source>
        <translation>连接指挥中心</translation>
    </message>
    <message>
        <source>Could not rank units: {}</source>
        <translation>无法推荐力量：{}</translation>
    </message>
    <message>
        <source>Departments, separated by commas (e.g. 城管,市场监管)</source>
        <translation>部门，用逗号分隔（如 城管,市场监管）</translation>
    </message>
    <message>
        <source>Escalate to law enforcement</source>
        <translation>移交执法</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>GridCommand hit an error: {} (details in the log)</source>
        <translation>GridCommand 出错：{}（详见日志）</translation>
    </message>
    <message>
        <source>GridCommand — NEW CASE {}</source>
        <translation>GridCommand — 新事件 {}</translation>
    </message>
    <message>
        <source>GridCommand — incident queue</source>
        <translation>GridCommand — 事件队列</translation>
    </message>
    <message>
        <source>Live stream interrupted; reconnecting…</source>
        <translation>实时数据中断，正在重连…</translation>
    </message>
    <message>
        <source>Local service running</source>
        <translation>本地服务已运行</translation>
    </message>
    <message>
        <source>Mark duplicate</source>
        <translation>标记重复</translation>
    </message>
    <message>
        <source>Mark duplicate of…</source>
        <translation>标记为重复…</translation>
    </message>
    <message>
        <source>No access key: open GridCommand ▸ Settings, or start the local service</source>
        <translation>没有访问密钥：请打开 GridCommand ▸ 设置，或启动本地服务</translation>
    </message>
    <message>
        <source>No available unit to send</source>
        <translation>没有可派遣的力量</translation>
    </message>
    <message>
        <source>No case selected</source>
        <translation>未选择事件</translation>
    </message>
    <message>
        <source>Original case number</source>
        <translation>原事件编号</translation>
    </message>
    <message>
        <source>Refer to mediation</source>
        <translation>转调解</translation>
    </message>
    <message>
        <source>Reported</source>
        <translation>上报时间</translation>
    </message>
    <message>
        <source>Resolve</source>
        <translation>办结</translation>
    </message>
    <message>
        <source>SLA about to breach: {}{}</source>
        <translation>即将超时：{}{}</translation>
    </message>
    <message>
        <source>SLA breached: {}{}</source>
        <translation>已超时：{}{}</translation>
    </message>
    <message>
        <source>Select a case first</source>
        <translation>请先选择事件</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Someone acted on case {} first ({}); the view is refreshed</source>
        <translation>事件 {} 已被他人处理（{}），视图已刷新</translation>
    </message>
    <message>
        <source>Start local service</source>
        <translation>启动本地服务</translation>
    </message>
    <message>
        <source>Starting the local service on {}…</source>
        <translation>正在 {} 启动本地服务…</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>The service refused the access key ({}); check Settings</source>
        <translation>服务拒绝了访问密钥（{}），请检查设置</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>剩余时间</translation>
    </message>
    <message>
        <source>Unit en route</source>
        <translation>力量出发</translation>
    </message>
    <message>
        <source>Unit on scene</source>
        <translation>力量到场</translation>
    </message>
    <message>
        <source>Whistle departments</source>
        <translation>吹哨部门</translation>
    </message>
    <message>
        <source>Whistle departments…</source>
        <translation>吹哨部门…</translation>
    </message>
    <message>
        <source>all channels</source>
        <translation>全部渠道</translation>
    </message>
    <message>
        <source>all statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>category code</source>
        <translation>类别代码</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <source>disconnected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>grid code</source>
        <translation>网格代码</translation>
    </message>
    <message>
        <source>last event {} s ago</source>
        <translation>最近事件 {} 秒前</translation>
    </message>
    <message>
        <source>micro-grid</source>
        <translation>微网格</translation>
    </message>
    <message>
        <source>outside</source>
        <translation>辖区外</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>重连中</translation>
    </message>
    <message>
        <source>Could not identify the area: {}</source>
        <translation>无法识别该区域：{}</translation>
    </message>
    <message>
        <source>households</source>
        <translation>户数</translation>
    </message>
    <message>
        <source>on duty</source>
        <translation>在岗人员</translation>
    </message>
    <message>
        <source>grid_head</source>
        <translation>网格长</translation>
    </message>
    <message>
        <source>full_time_grid_worker</source>
        <translation>专职网格员</translation>
    </message>
    <message>
        <source>part_time_grid_worker</source>
        <translation>兼职网格员</translation>
    </message>
    <message>
        <source>grid_instructor</source>
        <translation>网格指导员</translation>
    </message>
    <message>
        <source>Exercise (trainer)</source>
        <translation>演练（训练员）</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>结束</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>倍速</translation>
    </message>
    <message>
        <source>Seek</source>
        <translation>跳转</translation>
    </message>
    <message>
        <source>Play back in the Temporal Controller…</source>
        <translation>在时间控制器中回放…</translation>
    </message>
    <message>
        <source>Play back</source>
        <translation>回放</translation>
    </message>
    <message>
        <source>Hours before now to play back</source>
        <translation>回放此前多少小时</translation>
    </message>
    <message>
        <source>Cannot load the playback: {}</source>
        <translation>无法加载回放：{}</translation>
    </message>
    <message>
        <source>Playback loaded: {} cases, {} fixes; play it in the Temporal Controller</source>
        <translation>回放已加载：{} 个案件，{} 个定位点；请在时间控制器中播放</translation>
    </message>
    <message>
        <source>received</source>
        <translation>已受理</translation>
    </message>
    <message>
        <source>acknowledged</source>
        <translation>已签收</translation>
    </message>
    <message>
        <source>dispatched</source>
        <translation>已派遣</translation>
    </message>
    <message>
        <source>unit en route</source>
        <translation>力量在途</translation>
    </message>
    <message>
        <source>unit on scene</source>
        <translation>力量到场</translation>
    </message>
    <message>
        <source>resolved</source>
        <translation>已办结</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <source>duplicate</source>
        <translation>重复件</translation>
    </message>
    <message>
        <source>SLA breached</source>
        <translation>已超时</translation>
    </message>
    <message>
        <source>SLA due soon</source>
        <translation>即将超时</translation>
    </message>
    <message>
        <source>within SLA</source>
        <translation>时限内</translation>
    </message>
    <message>
        <source>no SLA clock</source>
        <translation>无时限</translation>
    </message>
    <message>
        <source>event</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>city component</source>
        <translation>部件</translation>
    </message>
    <message>
        <source>dispute</source>
        <translation>矛盾纠纷</translation>
    </message>
    <message>
        <source>help request</source>
        <translation>求助</translation>
    </message>
    <message>
        <source>urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <source>patrol</source>
        <translation>巡防力量</translation>
    </message>
    <message>
        <source>grid worker</source>
        <translation>网格员</translation>
    </message>
    <message>
        <source>law enforcement</source>
        <translation>执法力量</translation>
    </message>
    <message>
        <source>mediation team</source>
        <translation>调解力量</translation>
    </message>
    <message>
        <source>department contact</source>
        <translation>部门联络员</translation>
    </message>
    <message>
        <source>available</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <source>no recent position</source>
        <translation>定位过期</translation>
    </message>
    <message>
        <source>acknowledge deadline</source>
        <translation>签收时限</translation>
    </message>
    <message>
        <source>on-scene deadline</source>
        <translation>到场时限</translation>
    </message>
    <message>
        <source>law-enforcement deadline</source>
        <translation>执法时限</translation>
    </message>
    <message>
        <source>mediation deadline</source>
        <translation>调解时限</translation>
    </message>
    <message>
        <source>110 transfer</source>
        <translation>110非警务警情</translation>
    </message>
    <message>
        <source>12345 hotline</source>
        <translation>12345热线</translation>
    </message>
    <message>
        <source>city management</source>
        <translation>数字城管</translation>
    </message>
    <message>
        <source>resident report</source>
        <translation>居民上报</translation>
    </message>
    <message>
        <source>online help</source>
        <translation>网上求助</translation>
    </message>
    <message>
        <source>operator</source>
        <translation>坐席录入</translation>
    </message>
    <message>
        <source>loading cases {} / {}</source>
        <translation>正在加载事件 {} / {}</translation>
    </message>
    <message>
        <source>on {}</source>
        <translation>接入 {}</translation>
    </message>
    <message>
        <source>A service process stopped answering; now on {}</source>
        <translation>服务进程无响应，已切换至 {}</translation>
    </message>
    <message>
        <source>The key is used for this session only: {}</source>
        <translation>访问密钥仅在本次会话中使用：{}</translation>
    </message>
    <message>
        <source>GridCommand settings</source>
        <translation>GridCommand 设置</translation>
    </message>
    <message>
        <source>The access key could not be stored in the QGIS authentication database: {}</source>
        <translation>访问密钥无法保存到 QGIS 认证数据库：{}</translation>
    </message>
    <message>
        <source>Community atlas (print layout)</source>
        <translation>社区图集（打印布局）</translation>
    </message>
    <message>
        <source>Steps and photos</source>
        <translation>步骤与照片</translation>
    </message>
    <message>
        <source>GridCommand — evaluation</source>
        <translation>GridCommand — 综合评价</translation>
    </message>
    <message>
        <source>GridCommand — evaluation: {}</source>
        <translation>GridCommand — 综合评价：{}</translation>
    </message>
    <message>
        <source>department</source>
        <translation>部门</translation>
    </message>
    <message>
        <source>worker</source>
        <translation>人员</translation>
    </message>
    <message>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>cases</source>
        <translation>案件数</translation>
    </message>
    <message>
        <source>on time</source>
        <translation>按时率</translation>
    </message>
    <message>
        <source>rework</source>
        <translation>返工率</translation>
    </message>
    <message>
        <source>failed checks</source>
        <translation>核查未通过</translation>
    </message>
    <message>
        <source>avg handling h</source>
        <translation>平均处置 小时</translation>
    </message>
    <message>
        <source>name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>closing rate</source>
        <translation>结案率</translation>
    </message>
    <message>
        <source>grid</source>
        <translation>网格</translation>
    </message>
</context>
</TS>
