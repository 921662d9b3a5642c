//! The built-in corpus of the local research source: short original documents on generic
//! business and marketing topics, written for infin8's demos and tests.

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
];
