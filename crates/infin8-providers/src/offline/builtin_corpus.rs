//! The built-in corpus of the local research source: short original documents on generic
//! business and marketing topics and on product analytics for B2B SaaS (the quickstart's
//! business), written for infin8's demos and tests. Each sentence stands on its own, so the
//! offline writer can quote it with its citation.

/// `(slug, title, body)` of each built-in document.
pub(crate) const BUILTIN_DOCUMENTS: &[(&str, &str, &str)] = &[
    (
        "choosing-crm-software",
        "Choosing CRM software for a small business",
        "A customer relationship management (CRM) system keeps every contact, deal and conversation \
         in one place. Small businesses should start from their sales process, not from a feature \
         list: write down how a lead becomes a customer, then check that the CRM can model each \
         stage. Prefer tools with simple pipelines, email integration and clear pricing per seat. \
         A trial with real data from the last month shows quickly whether the team will use it. \
         Migration cost matters: export your spreadsheets early and test the import.",
    ),
    (
        "email-marketing-basics",
        "Email marketing basics that still work",
        "Email marketing remains one of the cheapest channels for repeat sales. Build the list with \
         consent, segment it by behaviour (new subscribers, active buyers, lapsed customers) and send \
         fewer, more relevant messages. Subject lines should say what is inside; preview text is a \
         second subject line. Measure clicks and revenue per send rather than open rates, which \
         privacy features distort. A welcome sequence of three to five emails usually earns more \
         than any single campaign.",
    ),
    (
        "content-marketing-strategy",
        "A content marketing strategy in five steps",
        "Content marketing works when each piece answers a question a real customer asks. Step one: \
         define the ideal customer profile and their problems. Step two: research the keywords those \
         customers search for and group them into topic clusters. Step three: write a pillar page per \
         cluster and supporting articles for each longtail question. Step four: link the articles to \
         the pillar and to each other. Step five: measure organic traffic, leads and conversions per \
         cluster, and refresh pages that slip.",
    ),
    (
        "seo-keyword-research",
        "Keyword research for search engine optimization",
        "Keyword research starts from seed terms: the products you sell and the problems you solve. \
         Expand each seed into longtail keywords with tools or competitor analysis, then judge each one \
         by search volume, ranking difficulty and search intent. Informational keywords suit guides, \
         commercial keywords suit comparisons, transactional keywords suit product pages. Navigational \
         keywords that name another brand are rarely worth targeting. Group near-duplicates so one \
         page serves them all instead of several pages competing.",
    ),
    (
        "customer-retention",
        "Customer retention: keeping the customers you won",
        "Winning a new customer costs several times more than keeping one. Retention improves with a \
         good onboarding experience, quick support answers and regular check-ins that show the value \
         delivered. Track churn monthly and ask every departing customer why they left. Loyalty \
         programmes help in retail; in software, usage reports and proactive help matter more. A \
         small rise in retention compounds into large revenue gains over a few years.",
    ),
    (
        "lead-generation-b2b",
        "Lead generation for B2B companies",
        "B2B lead generation combines content, outreach and partnerships. Useful assets such as \
         templates, calculators and benchmark reports attract qualified visitors who trade an email \
         address for them. Score leads by fit (company size, industry, role) and by engagement \
         (pages viewed, emails clicked) so sales calls the right people first. Webinars and case \
         studies move leads from interest to evaluation. Review the handoff between marketing and \
         sales every quarter.",
    ),
    (
        "project-management-tools",
        "How teams pick project management tools",
        "Project management tools range from simple task boards to full portfolio planning. Small \
         teams usually need shared task lists, due dates, comments and file attachments; larger teams \
         add workload views, dependencies and reporting. Involve the people who will update tasks \
         daily in the choice, because adoption decides success. Start with one project, agree on a \
         few conventions for naming and status, and expand once the habit sticks.",
    ),
    (
        "pricing-strategy",
        "Pricing strategy for small businesses",
        "Pricing is the fastest lever on profit. Cost-plus pricing is simple but ignores what \
         customers will pay; value-based pricing starts from the outcome the customer gets. Offer two \
         or three tiers so buyers compare your options instead of competitors. Publish prices when the \
         product is simple; use quotes when every deal differs. Test price changes on new customers \
         first and explain increases to existing ones well in advance.",
    ),
    (
        "social-media-marketing",
        "Social media marketing without burning out",
        "Social media marketing rewards consistency more than volume. Pick one or two networks where \
         your customers already spend time, and plan a weekly rhythm of posts: useful tips, customer \
         stories and behind-the-scenes moments. Scheduling tools batch the work into one session a \
         week. Reply to comments quickly, because conversation drives reach. Track which posts bring \
         visits to your site, not only likes.",
    ),
    (
        "small-business-accounting",
        "Accounting habits for small business owners",
        "Good accounting habits save money at tax time and reveal problems early. Separate business \
         and personal bank accounts, record every invoice and receipt weekly, and reconcile accounts \
         each month. Accounting software connects to the bank and categorizes transactions \
         automatically. Watch cash flow, not only profit: a profitable business can still run out of \
         cash when customers pay late. Send invoices promptly and follow up politely.",
    ),
    (
        "conversion-rate-optimization",
        "Conversion rate optimization for landing pages",
        "Conversion rate optimization improves the share of visitors who take the action you want. \
         Each landing page should have one goal, a headline that matches the ad or search that brought \
         the visitor, and a clear call to action. Remove distractions, answer objections with proof \
         such as reviews and guarantees, and keep forms short. Test one change at a time with enough \
         traffic to trust the result, and keep a log of what was tried.",
    ),
    (
        "marketing-automation",
        "Marketing automation: where to begin",
        "Marketing automation sends the right message when a customer acts, without manual work. \
         Begin with a few high-value workflows: a welcome series for new subscribers, a reminder for \
         abandoned carts or trials, and a follow-up after purchase. Connect the automation tool to \
         your CRM so sales sees the history. Review workflows every few months; outdated automations \
         quietly send wrong messages. Automation amplifies a good message and a bad one alike.",
    ),
    (
        "what-is-product-analytics",
        "What product analytics measures",
        "Product analytics is the practice of measuring how people use a software product, event by \
         event. Every click, page view or completed task becomes an event with a user, a time and a \
         few properties. Product managers use these events to see which features people find, which \
         ones they return to, and where they give up. Web analytics counts visits to pages, while \
         product analytics follows users and accounts through a product over weeks and months. The \
         most common reports are funnels, retention curves, cohorts and feature usage trends. A good \
         product analytics setup answers a question in minutes instead of waiting days for a data \
         request. Teams get the most value when each report is tied to a decision, such as what to \
         build next or which onboarding step to fix.",
    ),
    (
        "feature-adoption",
        "Measuring feature adoption in SaaS products",
        "Feature adoption measures how many active users or accounts use a feature within a period \
         after it ships. A useful adoption metric has three parts: who could use the feature, who \
         tried it, and who kept using it. Counting only first use overstates success, because many \
         people click a new button once out of curiosity. Repeat use in the following weeks is the \
         better signal that a feature solves a real problem. Product teams often compare adoption \
         across plans, company sizes and roles to find who benefits most. Low adoption is frequently \
         a discovery problem rather than a value problem, so in-app prompts and release notes are \
         worth testing first. Tracking adoption per account matters in B2B software, where one \
         champion may use a feature on behalf of a whole team.",
    ),
    (
        "funnel-analysis",
        "Funnel analysis for SaaS products",
        "A funnel is an ordered list of steps that users must complete to reach a goal, such as \
         signing up, inviting a colleague and creating a first report. Funnel analysis shows the \
         share of users who move from each step to the next and how long each step takes. The largest \
         drop between two steps is usually the best place to start improving a product. Funnels \
         should be defined with a time window, because a user who converts after three months behaves \
         differently from one who converts in a day. Breaking a funnel down by acquisition channel or \
         device often reveals that one segment struggles far more than the rest. Growth teams revisit \
         their key funnels after every major release to catch regressions early.",
    ),
    (
        "cohort-analysis",
        "Cohort analysis and retention curves",
        "A cohort is a group of users who share a starting point, such as the week they signed up or \
         the month they first used a feature. Cohort analysis compares how these groups behave over \
         time, which separates real improvements from changes in the mix of new users. A retention \
         curve plots the share of a cohort that is still active after one, two, four and eight weeks. \
         Healthy products show retention curves that flatten out, which means a stable core of users \
         keeps coming back. Curves that keep falling toward zero signal that the product has not yet \
         found a lasting habit or need. Comparing the curves of cohorts before and after a change is \
         one of the clearest ways to judge whether the change helped.",
    ),
    (
        "reducing-churn",
        "Reducing churn in B2B SaaS",
        "Churn is the share of customers or revenue lost in a period, and in subscription businesses \
         a small monthly rate compounds into large yearly losses. Most churn is predictable weeks in \
         advance from falling product usage, fewer active seats and unanswered support tickets. \
         Customer success teams use usage data to reach out to accounts whose activity drops before \
         the renewal date. Involuntary churn from failed card payments can often be recovered with \
         automatic retries and reminder emails. Exit surveys and short interviews with departing \
         customers reveal the reasons that dashboards cannot show. Improving onboarding is usually \
         the most effective long-term fix, because customers who reach value early rarely leave.",
    ),
    (
        "ab-testing",
        "A/B testing without fooling yourself",
        "An A/B test shows two versions of a page or feature to randomly assigned users and compares \
         a chosen metric between the groups. The metric and the minimum effect worth detecting should \
         be written down before the test starts. Stopping a test as soon as the result looks \
         significant inflates false positives, so the sample size should be fixed in advance. Tests \
         on B2B products often need to run for several weeks, because traffic is lower than in \
         consumer apps. Randomizing by account rather than by user prevents colleagues at the same \
         company from seeing different versions. A well-run experiment program records every test, \
         including the ones that failed, so that the team learns from all of them.",
    ),
    (
        "warehouse-native-analytics",
        "Connecting product analytics to the data warehouse",
        "Many companies keep their business data in a cloud data warehouse such as Snowflake, \
         BigQuery or Redshift. Warehouse-native analytics tools query that data where it lives \
         instead of copying events into a separate system. Keeping one copy of the data avoids \
         mismatched numbers between the product team and the finance team. Joining product events \
         with billing and CRM tables lets teams see how feature usage relates to revenue and \
         renewals. A clear event schema with consistent names makes warehouse data far easier to \
         analyze without writing SQL. Data teams should document which tables are trusted sources, so \
         that self-serve reports are built on the right ones.",
    ),
    (
        "analytics-privacy-gdpr",
        "Customer privacy and GDPR in product analytics",
        "Customer privacy in product analytics starts with collecting only the data needed to answer \
         real product questions. Under the GDPR, companies need a lawful basis for processing \
         personal data, and analytics often relies on consent or legitimate interest. Pseudonymous \
         user IDs reduce risk compared with storing names and email addresses in every event. Users \
         have the right to access and delete their data, so an analytics system must be able to find \
         and erase every event of one person. Data processing agreements with analytics vendors \
         define where data is stored and who may access it. Keeping data in the European Union or in \
         a company's own infrastructure simplifies compliance for many European customers. A short, \
         plain-language privacy notice builds more trust than a long legal document that nobody \
         reads.",
    ),
    (
        "self-hosted-analytics",
        "Self-hosting product analytics",
        "Self-hosted analytics runs on a company's own servers or cloud account instead of a vendor's \
         infrastructure. The main reasons to self-host are data control, regulatory requirements and \
         the wish to keep raw events inside the company network. Self-hosting shifts work to the \
         customer, who becomes responsible for upgrades, backups, scaling and security patches. Teams \
         considering self-hosting should estimate the engineering hours it needs each month, not only \
         the license savings. Many vendors now offer both a cloud service and a self-hosted edition \
         with the same features, which lets a company start in the cloud and move later.",
    ),
    (
        "analytics-pricing",
        "How product analytics tools are priced",
        "Product analytics tools are usually priced by event volume, by tracked users or by seats for \
         the people who view reports. Pricing per tracked user is predictable for products with \
         steady usage, because the bill grows with the customer base rather than with every click. \
         Event-based pricing can become expensive quickly when a product sends many automatic events. \
         Free tiers let small teams start without a contract and upgrade once analytics becomes part \
         of their routine. Buyers should model next year's volume before signing, since a plan that \
         is cheap today may cost several times more after a successful launch. Annual contracts often \
         include discounts, but monthly plans keep more flexibility for young companies.",
    ),
    (
        "self-serve-analytics",
        "Self-serve analytics for product managers",
        "Self-serve analytics lets product managers answer their own questions without waiting for a \
         data analyst. Visual report builders for funnels, retention and segmentation remove the need \
         to write SQL for everyday questions. Analysts remain important for complex modeling, but \
         they spend less time on routine requests when teams can serve themselves. Shared dashboards \
         give designers, engineers and leaders the same view of how a feature performs. Clear metric \
         definitions prevent two teams from reporting different numbers for the same question. \
         Training sessions in the first weeks after rollout make a big difference to how widely a \
         self-serve tool is used.",
    ),
    (
        "growth-team-metrics",
        "Metrics that growth teams track",
        "Growth teams focus on a small set of metrics that describe how users arrive, activate, stay \
         and pay. Activation is the moment a new user first experiences the product's core value, \
         such as sending a first campaign or sharing a first dashboard. Weekly active users and the \
         ratio of daily to monthly users show how often people return. Net revenue retention measures \
         how much revenue an existing group of customers generates a year later, including upgrades \
         and downgrades. Growth experiments are prioritized by their expected effect on one of these \
         metrics and by how cheap they are to run. A single north star metric helps a growth team \
         align its experiments, as long as it reflects value delivered to customers.",
    ),
    (
        "b2b-saas-metrics",
        "B2B SaaS metrics that matter",
        "B2B SaaS companies track monthly recurring revenue, churn, expansion revenue and the cost of \
         acquiring a customer. The CAC payback period shows how many months of gross margin it takes \
         to recover the cost of winning a customer. Product usage metrics explain these financial \
         numbers, because accounts that use a product deeply tend to renew and expand. Account-level \
         analytics matters more in B2B than in consumer software, since the buyer is usually a \
         company rather than a single person. Sales and customer success teams benefit from seeing \
         product usage next to deal information in the CRM. Board reports for SaaS companies \
         increasingly include product engagement alongside revenue figures.",
    ),
    (
        "event-tracking-plan",
        "Writing an event tracking plan",
        "A tracking plan lists every event a product sends, with its name, its properties and the \
         question it helps to answer. Consistent naming, such as an object followed by an action, \
         keeps event lists readable as a product grows. Teams should start with the ten to twenty \
         events that describe the core journey instead of tracking everything at once. Every new \
         feature specification can include its events, so that analytics is ready on launch day. A \
         tracking plan kept in version control lets engineers review analytics changes like any other \
         code change. Regular audits remove events that nobody uses and fix properties that arrive \
         empty or mistyped.",
    ),
    (
        "choosing-analytics-tool",
        "Choosing a product analytics tool",
        "Choosing a product analytics tool starts with the questions the team needs to answer every \
         week. Buyers should compare how each tool handles funnels, retention, cohorts and experiment \
         results on their own data during a trial. Integration with the existing data warehouse, CRM \
         and feature flag system often matters more than a long list of chart types. Privacy features \
         such as data residency, deletion requests and self-hosting options are essential for \
         companies with European customers. The total cost of ownership includes implementation time, \
         training and the growth of tracked users or events over the next years. A short pilot with \
         two or three candidate tools gives more reliable answers than any feature comparison table.",
    ),
    (
        "saas-onboarding",
        "Onboarding and activation for SaaS products",
        "Onboarding is the path a new user follows from sign-up to the first moment of real value. \
         Shorter onboarding flows usually activate more users, as long as they still lead to a \
         meaningful first result. Checklists, sample data and templates help users experience the \
         product before they have connected their own data. Measuring each onboarding step as a \
         funnel shows exactly where new users stop. In B2B products, inviting a teammate is often a \
         strong early signal that an account will become a paying customer. Onboarding emails work \
         best when they respond to what a user has or has not done in the product.",
    ),
    (
        "analytics-consent",
        "Consent and cookie banners in SaaS analytics",
        "Privacy law in Europe requires consent before a website stores non-essential cookies or \
         similar identifiers on a visitor's device. Product analytics inside a logged-in application \
         is often covered by the customer contract, while tracking on the public marketing site \
         usually needs a consent banner. A consent banner should offer accepting and rejecting with \
         equal effort, because regulators have fined companies for hiding the reject option. \
         Analytics events sent before a visitor has decided should be held back or sent without \
         identifiers. Respecting a user's privacy choice in every tool, including analytics, \
         advertising and support widgets, is what makes a consent banner meaningful. Server-side \
         tracking does not remove the need for consent when the data still identifies a person.",
    ),
    (
        "analytics-data-retention",
        "Data retention and deletion in product analytics",
        "Data minimization means keeping analytics data only as long as it is useful for product \
         decisions. A retention policy of thirteen to twenty-five months covers year-over-year \
         comparisons for most product teams. Deleting a person's events on request must reach every \
         copy, including backups, exports and the data warehouse. Aggregated reports that no longer \
         identify individuals can usually be kept after the raw events are deleted. Customer privacy \
         reviews should list which properties may contain personal data, such as free-text fields and \
         URLs with email addresses. Masking or hashing sensitive properties at collection time \
         prevents personal data from ever reaching the analytics system. Clear retention rules also \
         lower storage costs and make queries faster.",
    ),
    (
        "privacy-by-design-analytics",
        "Privacy by design in product analytics: practical examples",
        "Privacy by design means that customer privacy is part of the analytics plan from the first \
         event, not a fix added after launch. A common practice is to send an internal account ID \
         instead of an email address, and to look up contact details only in the CRM when needed. \
         Many teams strip query strings from tracked URLs, because password reset links and search \
         terms can contain personal data. Role-based access in the analytics tool limits who can see \
         user-level data, while most people only need aggregated reports. Privacy reviews work best \
         as a short checklist in every feature specification, next to the tracking plan. Companies \
         that publish how they use product data in plain language receive fewer worried support \
         requests from customers.",
    ),
    (
        "product-analytics-examples",
        "Product analytics in practice: examples from SaaS teams",
        "A project management company used funnel analysis to discover that most new teams never \
         created a second project, and added templates to the empty state. An accounting software \
         team compared retention cohorts before and after a redesign and found that weekly active use \
         rose for small businesses but not for larger ones. A developer tools company tracked \
         adoption of a new integration per account and learned that one champion per customer drove \
         almost all usage. Analytics software made these findings possible without a data team, \
         because product managers could build the reports themselves. In each example the team \
         started with a single question and a small set of events, then expanded tracking once the \
         first answer changed a decision.",
    ),
    (
        "why-product-analytics",
        "Why teams invest in product analytics software",
        "Analytics software shortens the time between shipping a feature and knowing whether \
         customers use it. Product teams with reliable usage data argue less about opinions and more \
         about evidence. Investment decisions become easier to defend when a roadmap item is tied to \
         a measured drop in a funnel or a weak retention curve. Analytics software also helps \
         customer success teams spot accounts at risk long before a renewal conversation. The \
         benefits grow over time, because historical data lets teams compare every release with the \
         ones before it. Without product analytics, teams often learn about problems only when \
         customers complain or cancel.",
    ),
    (
        "customer-privacy-practice",
        "Customer privacy in everyday product work",
        "Customer privacy becomes real in small daily decisions, such as which fields a new form \
         collects and who can export a report. Product managers can ask one question for every new \
         event: would a customer expect us to collect this? Support teams need clear rules for \
         viewing customer accounts, including a log of who looked at which data and why. Engineers \
         protect customer privacy by keeping personal data out of logs, error reports and test \
         databases. A named privacy owner in each product team keeps the topic on the agenda without \
         slowing releases down. Customers notice good privacy practice when settings are easy to find \
         and deletion requests are handled within days.",
    ),
];
