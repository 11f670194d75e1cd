from crewai import Agent, Crew, Process, Task
from crewai.project import CrewBase, agent, crew, task

from echo_crew.tools.echo_tool import EchoTool


@CrewBase
class EchoCrew:
    """EchoCrew crew"""

    agents_config = "config/agents.yaml"
    tasks_config = "config/tasks.yaml"

    @agent
    def relay(self) -> Agent:
        return Agent(config=self.agents_config["relay"], tools=[EchoTool()], llm="gpt-4o-mini", verbose=False)

    @task
    def relay_task(self) -> Task:
        return Task(config=self.tasks_config["relay_task"])

    @crew
    def crew(self) -> Crew:
        """Creates the EchoCrew crew"""
        return Crew(agents=self.agents, tasks=self.tasks, process=Process.sequential, verbose=False)
